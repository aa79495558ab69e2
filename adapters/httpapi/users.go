package httpapi

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
	"github.com/gofiber/fiber/v2"
)

// userListParams are the query parameters of GET /users.
var userListParams = listParams(crm.UserSortable,
	queryParam{name: "q", kind: pText, doc: "Words, each contained in the username, email, first or last name (case and accents ignored)."},
	queryParam{name: "username", kind: pText, doc: "Text in the username."},
	queryParam{name: "email", kind: pText, doc: "Text in the email."},
	queryParam{name: "first_name", kind: pText, doc: "Text in the first name."},
	queryParam{name: "last_name", kind: pText, doc: "Text in the last name."},
	queryParam{name: "role", kind: pText, doc: "The role.", enum: strs(crm.Roles)},
	queryParam{name: "is_active", kind: pBool, doc: "Active (true) or deactivated (false) users."},
)

func (a *API) listUsers(c *fiber.Ctx) error {
	q, err := parseQuery(c, userListParams)
	if err != nil {
		return err
	}
	f := crm.UserFilter{
		Q: q.text("q"), Username: q.text("username"), Email: q.text("email"),
		FirstName: q.text("first_name"), LastName: q.text("last_name"), Role: crm.Role(q.text("role")),
		IsActive: q.boolean("is_active"), ListOptions: q.list(),
	}
	return sendList(c, a, q, "users", csvsafe.UserColumns, &f.ListOptions, func(ctx context.Context) ([]*crm.User, string, error) {
		return a.svc.ListUsers(ctx, f)
	})
}

func (a *API) createUser(c *fiber.Ctx) error {
	in, err := decodeBody[crm.UserInput](c, userBody, modeCreate)
	if err != nil {
		return err
	}
	u, err := a.svc.CreateUser(ctxOf(c), in)
	if err != nil {
		return err
	}
	return sendCreated(c, u, u.ID, u.Version)
}

func (a *API) getUser(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := a.svc.GetUser(ctxOf(c), id)
	if err != nil {
		return err
	}
	return sendRecord(c, fiber.StatusOK, u, u.Version)
}

func (a *API) updateUser(mode writeMode) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, version, err := writeTarget(c)
		if err != nil {
			return err
		}
		in, err := decodeBody[crm.UserInput](c, userBody, mode)
		if err != nil {
			return err
		}
		u, err := a.svc.UpdateUser(ctxOf(c), id, in, version)
		if err != nil {
			return err
		}
		return sendRecord(c, fiber.StatusOK, u, u.Version)
	}
}

func (a *API) deleteUser(c *fiber.Ctx) error {
	id, version, err := deleteTarget(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteUser(ctxOf(c), id, version); err != nil {
		return err
	}
	return sendNoContent(c)
}
