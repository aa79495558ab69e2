package httpapi

import (
	"reflect"

	"github.com/epicevents/epiccrm/crm"
)

// The request bodies of the API. Records decode straight into the crm input structs; the
// bodies of authentication are small structs of the same crm.Opt fields.
var (
	userBody = newBodySpec(bodySpec{
		name: "User", input: reflect.TypeOf(crm.UserInput{}), entity: reflect.TypeOf(crm.User{}),
		putOptional: []string{"password"},
		describe: map[string]string{
			"password": "Write-only. Required on create; only management sets another user's password " +
				"(users change their own with POST /api/v1/me/password).",
			"role":      "Only management may set it, and never on their own record.",
			"is_active": "Only management may set it, and never on their own record. A deactivated user's tokens stop working at once.",
		},
	})
	clientBody = newBodySpec(bodySpec{
		name: "Client", input: reflect.TypeOf(crm.ClientInput{}), entity: reflect.TypeOf(crm.Client{}),
		describe: map[string]string{
			"sales_contact_id": "An active sales user. Setting it to anyone but the default (a sales user's new client is theirs) takes the assign permission.",
			"status":           "A client becomes existing by itself when one of its contracts is signed.",
		},
	})
	contractBody = newBodySpec(bodySpec{
		name: "Contract", input: reflect.TypeOf(crm.ContractInput{}), entity: reflect.TypeOf(crm.Contract{}),
		createOnly: []string{"client_id"},
		describe: map[string]string{
			"client_id":        "A client you may create contracts for. Set on create only.",
			"sales_contact_id": "An active sales user; defaults to the client's. Changing it takes the assign permission.",
			"amount":           "What the client pays in all.",
			"amount_due":       "Between 0 and amount; defaults to amount.",
			"status":           "A new contract is open; setting signed takes the sign permission, and a signed contract cannot be reopened.",
		},
	})
	eventBody = newBodySpec(bodySpec{
		name: "Event", input: reflect.TypeOf(crm.EventInput{}), entity: reflect.TypeOf(crm.Event{}),
		createOnly: []string{"contract_id"},
		describe: map[string]string{
			"contract_id":        "A signed contract you may create events for. Set on create only.",
			"support_contact_id": "An active support user, or null. Setting it takes the assign permission.",
			"end_date":           "After event_date, or null.",
		},
	})

	loginBody = newBodySpec(bodySpec{
		name: "Login", input: reflect.TypeOf(loginInput{}), required: []string{"username", "password"},
	})
	refreshBody = newBodySpec(bodySpec{
		name: "RefreshToken", input: reflect.TypeOf(refreshInput{}), required: []string{"refresh_token"},
	})
	passwordBody = newBodySpec(bodySpec{
		name: "PasswordChange", input: reflect.TypeOf(passwordInput{}),
		required: []string{"current_password", "new_password"},
	})
)

// loginInput is the body of POST /auth/login.
type loginInput struct {
	Username crm.Opt[string] `json:"username"`
	Password crm.Opt[string] `json:"password"`
}

// refreshInput is the body of POST /auth/refresh and POST /auth/logout.
type refreshInput struct {
	RefreshToken crm.Opt[string] `json:"refresh_token"`
}

// passwordInput is the body of POST /me/password.
type passwordInput struct {
	CurrentPassword crm.Opt[string] `json:"current_password"`
	NewPassword     crm.Opt[string] `json:"new_password"`
}

// requiredOnCreate lists, for the OpenAPI document, the fields the domain requires when a
// record is created.
var requiredOnCreate = map[*bodySpec][]string{
	userBody:     {"username", "email", "role", "password"},
	clientBody:   {"first_name", "last_name", "email"},
	contractBody: {"client_id", "amount"},
	eventBody:    {"contract_id", "name", "event_date"},
}
