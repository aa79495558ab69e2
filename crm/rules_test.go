package crm_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.CreateUser(w.ctxM, crm.UserInput{})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"email", "password", "role", "username"}, fieldsOf(err), "every bad field is reported at once")

	_, err = w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("bad name!"), Email: crm.Some("not-an-email"),
		Role: crm.Some(crm.Role("admin")), Password: crm.Some("short"), FirstName: crm.Some(strings.Repeat("\x00", 151))})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"email", "first_name", "password", "role", "username"}, fieldsOf(err))

	for _, pw := range []string{"password123", "zoe-the-great-zoe"} {
		_, err = w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("zoe"), Email: crm.Some("zoe@epic.example"), Role: crm.Some(crm.RoleSupport), Password: crm.Some(pw)})
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"password"}, fieldsOf(err), pw)
	}
	for _, email := range []string{"Ann <ann@x.example>", "ann@localhost", "ann@@x.example", "ann x@y.example"} {
		_, err = w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("ann"), Email: crm.Some(email), Role: crm.Some(crm.RoleSales), Password: crm.Some(goodPassword)})
		requireCode(t, err, crm.EINVALID)
	}

	u, err := w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("zoé.b+1"), Email: crm.Some(" zoe@epic.example "), Role: crm.Some(crm.RoleSupport), Password: crm.Some(goodPassword)})
	require.NoError(t, err)
	assert.True(t, u.IsActive, "a new user is active by default")
	assert.Equal(t, "zoe@epic.example", u.Email, "surrounding spaces are trimmed")
	assert.Equal(t, "h1:"+goodPassword, u.PasswordHash)
	assert.Equal(t, w.now, u.DateJoined)
	assert.Equal(t, "zoé.b+1", u.FullName())

	_, err = w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("other"), Email: crm.Some("ZOE@epic.example"), Role: crm.Some(crm.RoleSupport), Password: crm.Some(goodPassword)})
	requireCode(t, err, crm.ECONFLICT)
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u, err := w.svc.UpdateUser(w.ctxS1, w.S1.ID, crm.UserInput{FirstName: crm.Some("Samuel"), LastName: crm.Some("Stone")}, 0)
	require.NoError(t, err, "users update their own profile")
	assert.Equal(t, "Samuel Stone", u.FullName())
	assert.Equal(t, w.S1.AuthVersion, u.AuthVersion, "a profile change keeps sessions")

	u, err = w.svc.UpdateUser(w.ctxM, w.S1.ID, crm.UserInput{Role: crm.Some(crm.RoleSupport)}, 0)
	require.NoError(t, err, "management changes another user's role")
	assert.Equal(t, crm.RoleSupport, u.Role)
	assert.Greater(t, u.AuthVersion, w.S1.AuthVersion, "a role change ends sessions")

	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Email: crm.Some("bad")}, 0)
	requireCode(t, err, crm.EINVALID)
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Password: crm.Some("short")}, 0)
	requireCode(t, err, crm.EINVALID)
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Email: crm.Some("BOSS@epic.example")}, 0)
	requireCode(t, err, crm.ECONFLICT)

	u, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	assert.False(t, u.IsActive)
	_, err = w.svc.Actor(context.Background(), w.S2.ID, w.S2.AuthVersion)
	requireCode(t, err, crm.EUNAUTHORIZED)

	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{FirstName: crm.Some("x")}, u.Version-1)
	requireCode(t, err, crm.EPRECONDITION)
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{FirstName: crm.Some("x")}, u.Version)
	require.NoError(t, err)

	_, err = w.svc.UpdateUser(w.ctxP1, w.S2.ID, crm.UserInput{FirstName: crm.Some("x")}, 0)
	requireCode(t, err, crm.ENOTFOUND)
	me, err := w.svc.Me(w.ctxP1)
	require.NoError(t, err)
	assert.Equal(t, w.P1.ID, me.ID)
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	err := w.svc.DeleteUser(w.ctxM, w.S1.ID, 0)
	requireCode(t, err, crm.ECONFLICT)
	assert.Contains(t, crm.ErrorMessage(err), "deactivate the user, or reassign", "the refusal says what to do")
	requireCode(t, w.svc.DeleteUser(w.ctxM, w.P1.ID, 0), crm.ECONFLICT)
	requireCode(t, w.svc.DeleteUser(w.ctxM, w.M.ID, 0), crm.EFORBIDDEN)
	requireCode(t, w.svc.DeleteUser(w.ctxM, w.S2.ID, 99), crm.EPRECONDITION)
	require.NoError(t, w.svc.DeleteUser(w.ctxM, w.S2.ID, 0))
	_, err = w.svc.GetUser(w.ctxM, w.S2.ID)
	requireCode(t, err, crm.ENOTFOUND)
	requireCode(t, w.svc.DeleteUser(w.ctxM, w.S2.ID, 0), crm.ENOTFOUND)
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	err := w.svc.ChangePassword(w.ctxS1, "wrong", "a-brand-new-password")
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"current_password"}, fieldsOf(err))
	err = w.svc.ChangePassword(w.ctxS1, goodPassword, goodPassword)
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"password"}, fieldsOf(err))
	requireCode(t, w.svc.ChangePassword(w.ctxS1, goodPassword, "short"), crm.EINVALID)
	require.NoError(t, w.svc.ChangePassword(w.ctxS1, goodPassword, "a-brand-new-password"))
	_, err = w.svc.Actor(context.Background(), w.S1.ID, w.S1.AuthVersion)
	requireCode(t, err, crm.EUNAUTHORIZED)
	_, err = w.svc.Authenticate(context.Background(), "sam", "a-brand-new-password", "10.0.0.1")
	require.NoError(t, err)
	requireCode(t, w.svc.ChangePassword(context.Background(), "a", "b"), crm.EUNAUTHORIZED)
}

func TestClientRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.CreateClient(w.ctxS1, crm.ClientInput{Email: crm.Some("nope"), Phone: crm.Some("call me"), Status: crm.Some(crm.ClientStatus("vip"))})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"email", "first_name", "last_name", "phone", "status"}, fieldsOf(err))

	c, err := w.svc.CreateClient(w.ctxS2, crm.ClientInput{FirstName: crm.Some("Ann"), LastName: crm.Some("Lee"), Email: crm.Some("ann@lee.example"), Mobile: crm.Some("+1 (555) 010-0199")})
	require.NoError(t, err)
	assert.Equal(t, crm.ClientPotential, c.Status, "a new client is a prospect")
	assert.Equal(t, w.S2.ID, *c.SalesContactID, "a sales user's new client is theirs")
	assert.Equal(t, "Ann Lee", c.FullName())

	c, err = w.svc.CreateClient(w.ctxM, crm.ClientInput{FirstName: crm.Some("Bo"), LastName: crm.Some("Ng"), Email: crm.Some("bo@ng.example")})
	require.NoError(t, err)
	assert.Nil(t, c.SalesContactID, "management's client has no sales contact unless named")
	c, err = w.svc.CreateClient(w.ctxM, crm.ClientInput{FirstName: crm.Some("Bo"), LastName: crm.Some("Ng"), Email: crm.Some("bo@ng.example"), SalesContactID: crm.Some(&w.S2.ID), Status: crm.Some(crm.ClientExisting)})
	require.NoError(t, err)
	assert.Equal(t, w.S2.ID, *c.SalesContactID)
	assert.Equal(t, crm.ClientExisting, c.Status, "the status can be set by hand")

	for _, bad := range []int64{w.P1.ID, w.M.ID, 9999} {
		_, err = w.svc.CreateClient(w.ctxM, crm.ClientInput{FirstName: crm.Some("Bo"), LastName: crm.Some("Ng"), Email: crm.Some("bo@ng.example"), SalesContactID: crm.Some(&bad)})
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"sales_contact_id"}, fieldsOf(err))
	}
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	_, err = w.svc.UpdateClient(w.ctxM, c.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S1.ID)}, 0)
	require.NoError(t, err, "management reassigns a client")
	_, err = w.svc.UpdateClient(w.ctxM, c.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S2.ID)}, 0)
	requireCode(t, err, crm.EINVALID)
	assert.Contains(t, crm.ErrorFields(err)[0].Message, "active sales user")

	_, err = w.svc.UpdateClient(w.ctxM, c.ID, crm.ClientInput{Company: crm.Some("x")}, 1)
	requireCode(t, err, crm.EPRECONDITION)

	err = w.svc.DeleteClient(w.ctxM, w.C1.ID, 0)
	requireCode(t, err, crm.ECONFLICT)
	assert.Contains(t, crm.ErrorMessage(err), "contracts")
	require.NoError(t, w.svc.DeleteClient(w.ctxM, c.ID, 0))
	requireCode(t, w.svc.DeleteClient(w.ctxM, c.ID, 0), crm.ENOTFOUND)
}

func TestContractRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.CreateContract(w.ctxM, crm.ContractInput{})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"amount", "client_id"}, fieldsOf(err))
	_, err = w.svc.CreateContract(w.ctxM, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100)), AmountDue: crm.Some(crm.Money(101))})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"amount_due"}, fieldsOf(err))
	_, err = w.svc.CreateContract(w.ctxM, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(-1))})
	requireCode(t, err, crm.EINVALID)
	assert.Contains(t, fieldsOf(err), "amount")
	_, err = w.svc.CreateContract(w.ctxM, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100)), Status: crm.Some(crm.ContractSigned)})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"status"}, fieldsOf(err), "a new contract is open")
	_, err = w.svc.CreateContract(w.ctxM, crm.ContractInput{ClientID: crm.Some(int64(9999)), Amount: crm.Some(crm.Money(100))})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"client_id"}, fieldsOf(err))

	prospect, err := w.svc.CreateClient(w.ctxS2, crm.ClientInput{FirstName: crm.Some("Ann"), LastName: crm.Some("Lee"), Email: crm.Some("ann@lee.example")})
	require.NoError(t, err)
	due := crm.Date{Year: 2027, Month: 9, Day: 1}
	k, err := w.svc.CreateContract(w.ctxS2, crm.ContractInput{ClientID: crm.Some(prospect.ID), Amount: crm.Some(crm.Money(99999999999999)), PaymentDue: crm.Some(&due)})
	require.NoError(t, err)
	assert.Equal(t, crm.ContractOpen, k.Status)
	assert.Equal(t, k.Amount, k.AmountDue, "amount_due defaults to amount")
	assert.Equal(t, crm.MaxMoney, k.Amount)
	assert.Equal(t, w.S2.ID, *k.SalesContactID)
	assert.Nil(t, k.SignedAt)

	// An event needs a signed contract.
	_, err = w.svc.CreateEvent(w.ctxS2, crm.EventInput{ContractID: crm.Some(k.ID), Name: crm.Some("Gala"), EventDate: crm.Some(w.now)})
	requireCode(t, err, crm.ECONFLICT)

	// Signing converts the prospect, in the same write.
	_, err = w.svc.SignContract(w.ctxS1, k.ID, 0)
	requireCode(t, err, crm.ENOTFOUND)
	_, err = w.svc.SignContract(w.ctxS2, k.ID, k.Version+5)
	requireCode(t, err, crm.EPRECONDITION)
	w.now = w.now.Add(time.Hour)
	signed, err := w.svc.UpdateContract(w.ctxS2, k.ID, crm.ContractInput{Status: crm.Some(crm.ContractSigned), AmountDue: crm.Some(crm.Money(0))}, k.Version)
	require.NoError(t, err)
	assert.Equal(t, crm.ContractSigned, signed.Status)
	require.NotNil(t, signed.SignedAt)
	assert.Equal(t, w.now, *signed.SignedAt)
	c, err := w.svc.GetClient(w.ctxS2, prospect.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.ClientExisting, c.Status, "a client becomes existing when a contract is signed")
	entries := w.store.auditOf(crm.ResourceContract, k.ID)
	assert.Equal(t, crm.ActionSign, entries[len(entries)-1].Action)
	clientEntries := w.store.auditOf(crm.ResourceClient, prospect.ID)
	assert.Equal(t, [2]any{"potential", "existing"}, clientEntries[len(clientEntries)-1].Changes["status"])

	_, err = w.svc.SignContract(w.ctxS2, k.ID, 0)
	requireCode(t, err, crm.ECONFLICT)
	_, err = w.svc.UpdateContract(w.ctxM, k.ID, crm.ContractInput{Status: crm.Some(crm.ContractOpen)}, 0)
	requireCode(t, err, crm.ECONFLICT)
	_, err = w.svc.UpdateContract(w.ctxM, k.ID, crm.ContractInput{Status: crm.Some(crm.ContractStatus("void"))}, 0)
	requireCode(t, err, crm.EINVALID)
	_, err = w.svc.UpdateContract(w.ctxM, k.ID, crm.ContractInput{ClientID: crm.Some(w.C1.ID)}, 0)
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"client_id"}, fieldsOf(err))
	k2, err := w.svc.UpdateContract(w.ctxM, k.ID, crm.ContractInput{SalesContactID: crm.Some(&w.S1.ID)}, 0)
	require.NoError(t, err, "management reassigns a contract")
	assert.Equal(t, w.S1.ID, *k2.SalesContactID)
	_, err = w.svc.UpdateContract(w.ctxM, k.ID, crm.ContractInput{SalesContactID: crm.Some(&w.P1.ID)}, 0)
	requireCode(t, err, crm.EINVALID)
	_, err = w.svc.UpdateContract(w.ctxM, k.ID, crm.ContractInput{Amount: crm.Some(crm.Money(5)), AmountDue: crm.Some(crm.Money(6))}, 0)
	requireCode(t, err, crm.EINVALID)

	err = w.svc.DeleteContract(w.ctxM, w.K1.ID, 0)
	requireCode(t, err, crm.ECONFLICT)
	assert.Contains(t, crm.ErrorMessage(err), "events")
	requireCode(t, w.svc.DeleteContract(w.ctxM, k.ID, 1), crm.EPRECONDITION)
	require.NoError(t, w.svc.DeleteContract(w.ctxM, k.ID, 0))
	requireCode(t, w.svc.DeleteContract(w.ctxM, k.ID, 0), crm.ENOTFOUND)
}

func TestEventRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.CreateEvent(w.ctxS1, crm.EventInput{})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"contract_id", "event_date", "name"}, fieldsOf(err))

	start := time.Date(2027, 7, 1, 18, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	before := start.Add(-time.Hour)
	_, err = w.svc.CreateEvent(w.ctxS1, crm.EventInput{ContractID: crm.Some(w.K1.ID), Name: crm.Some("Gala"), EventDate: crm.Some(start),
		EndDate: crm.Some(&before), Attendees: crm.Some(-1), Status: crm.Some(crm.EventStatus("done"))})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"attendees", "end_date", "status"}, fieldsOf(err))
	_, err = w.svc.CreateEvent(w.ctxS1, crm.EventInput{ContractID: crm.Some(w.K1.ID), Name: crm.Some("Gala"), EventDate: crm.Some(start), EndDate: crm.Some(&start)})
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"end_date"}, fieldsOf(err), "end_date must be after event_date, not equal")
	_, err = w.svc.CreateEvent(w.ctxS1, crm.EventInput{ContractID: crm.Some(int64(9999)), Name: crm.Some("Gala"), EventDate: crm.Some(start)})
	requireCode(t, err, crm.EINVALID)

	end := start.Add(5 * time.Hour)
	e, err := w.svc.CreateEvent(w.ctxS1, crm.EventInput{ContractID: crm.Some(w.K1.ID), Name: crm.Some("Gala"), EventDate: crm.Some(start), EndDate: crm.Some(&end), Location: crm.Some("Paris")})
	require.NoError(t, err)
	assert.Equal(t, w.C1.ID, e.ClientID, "client_id comes from the contract")
	assert.Equal(t, w.S1.ID, *e.SalesContactID, "sales_contact_id comes from the contract")
	assert.Equal(t, time.UTC, e.EventDate.Location(), "times are kept in UTC")
	assert.True(t, e.EventDate.Equal(start))
	assert.Equal(t, crm.EventOpen, e.Status)
	assert.Nil(t, e.SupportContactID)

	// Management assigns support: only an active support user.
	for _, bad := range []int64{w.S1.ID, 9999} {
		_, err = w.svc.AssignSupport(w.ctxM, e.ID, &bad, 0)
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"support_contact_id"}, fieldsOf(err))
	}
	_, err = w.svc.UpdateUser(w.ctxM, w.P2.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	_, err = w.svc.AssignSupport(w.ctxM, e.ID, &w.P2.ID, 0)
	requireCode(t, err, crm.EINVALID)
	e, err = w.svc.AssignSupport(w.ctxM, e.ID, &w.P1.ID, 0)
	require.NoError(t, err)
	assert.Equal(t, w.P1.ID, *e.SupportContactID)

	// Support updates their event; not its contract.
	e, err = w.svc.UpdateEvent(w.ctxP1, e.ID, crm.EventInput{Status: crm.Some(crm.EventClosed), Notes: crm.Some("Done, all paid")}, e.Version)
	require.NoError(t, err)
	assert.Equal(t, crm.EventClosed, e.Status)
	_, err = w.svc.UpdateEvent(w.ctxP1, e.ID, crm.EventInput{Notes: crm.Some("stale")}, e.Version-1)
	requireCode(t, err, crm.EPRECONDITION)
	other, err := w.svc.CreateContract(w.ctxM, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(1))})
	require.NoError(t, err)
	_, err = w.svc.UpdateEvent(w.ctxM, e.ID, crm.EventInput{ContractID: crm.Some(other.ID)}, 0)
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"contract_id"}, fieldsOf(err))
	_, err = w.svc.UpdateEvent(w.ctxM, e.ID, crm.EventInput{Name: crm.Some("  ")}, 0)
	requireCode(t, err, crm.EINVALID)

	unassigned, _, err := w.svc.ListEvents(w.ctxM, crm.EventFilter{Unassigned: true})
	require.NoError(t, err)
	assert.Empty(t, unassigned)
	e, err = w.svc.AssignSupport(w.ctxM, e.ID, nil, 0)
	require.NoError(t, err, "management clears the support contact")
	assert.Nil(t, e.SupportContactID)

	requireCode(t, w.svc.DeleteEvent(w.ctxM, e.ID, 99), crm.EPRECONDITION)
	require.NoError(t, w.svc.DeleteEvent(w.ctxM, e.ID, 0))
	_, err = w.svc.GetEvent(w.ctxM, e.ID)
	requireCode(t, err, crm.ENOTFOUND)
}

func TestEventDatesStayWithinFourDigitYears(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	late := time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("UTC-5", -5*3600)) // year 10000 in UTC
	early := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, when := range []time.Time{late, early} {
		_, err := w.svc.UpdateEvent(w.ctxM, w.E1.ID, crm.EventInput{EventDate: crm.Some(when)}, 0)
		requireCode(t, err, crm.EINVALID)
		assert.Equal(t, []string{"event_date"}, fieldsOf(err))
	}
	_, err := w.svc.UpdateEvent(w.ctxM, w.E1.ID, crm.EventInput{EndDate: crm.Some(&late)}, 0)
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"end_date"}, fieldsOf(err))
	_, err = w.svc.UpdateEvent(w.ctxM, w.E1.ID, crm.EventInput{EventDate: crm.Some(time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC))}, 0)
	assert.NoError(t, err)
}

// TestConcurrentSigningSignsOnce signs one contract from many goroutines at once: exactly one
// succeeds, the others are told it is already signed, and the log has one sign entry.
func TestConcurrentSigningSignsOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	k, err := w.svc.CreateContract(w.ctxS1, crm.ContractInput{ClientID: crm.Some(w.C1.ID), Amount: crm.Some(crm.Money(100))})
	require.NoError(t, err)
	const n = 20
	codes := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.svc.SignContract(w.ctxS1, k.ID, 0)
			codes <- crm.ErrorCode(err)
		}()
	}
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	assert.Equal(t, map[string]int{"": 1, crm.ECONFLICT: n - 1}, count)
	entries := w.store.auditOf(crm.ResourceContract, k.ID)
	assert.Len(t, entries, 2, "create and one sign")
}

// TestRecordsOfADeactivatedContactStayEditable checks that sending a record's current contact
// again, as a full update or a form does, is accepted after that contact was deactivated, while
// choosing an inactive contact is still refused.
func TestRecordsOfADeactivatedContactStayEditable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.UpdateUser(w.ctxM, w.S1.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)
	_, err = w.svc.UpdateUser(w.ctxM, w.P1.ID, crm.UserInput{IsActive: crm.Some(false)}, 0)
	require.NoError(t, err)

	c, err := w.svc.UpdateClient(w.ctxM, w.C1.ID, crm.ClientInput{Phone: crm.Some("+33 1 00 00 00 00"), SalesContactID: crm.Some(&w.S1.ID)}, 0)
	require.NoError(t, err)
	assert.Equal(t, "+33 1 00 00 00 00", c.Phone)
	_, err = w.svc.UpdateContract(w.ctxM, w.K1.ID, crm.ContractInput{AmountDue: crm.Some(crm.Money(0)), SalesContactID: crm.Some(&w.S1.ID)}, 0)
	require.NoError(t, err)
	_, err = w.svc.UpdateEvent(w.ctxM, w.E1.ID, crm.EventInput{Notes: crm.Some("x"), SupportContactID: crm.Some(&w.P1.ID)}, 0)
	require.NoError(t, err)

	other, err := w.svc.CreateClient(w.ctxM, crm.ClientInput{FirstName: crm.Some("A"), LastName: crm.Some("B"), Email: crm.Some("a@b.example")})
	require.NoError(t, err)
	_, err = w.svc.UpdateClient(w.ctxM, other.ID, crm.ClientInput{SalesContactID: crm.Some(&w.S1.ID)}, 0)
	requireCode(t, err, crm.EINVALID)
	assert.Equal(t, []string{"sales_contact_id"}, fieldsOf(err), "choosing an inactive contact is still refused")
}

// TestAnUpdateThatChangesNothingWritesNothing checks that sending a record's current values (a
// form saved without edits, an empty PATCH) neither bumps its version nor writes an empty audit
// entry, for every resource.
func TestAnUpdateThatChangesNothingWritesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	audit := func() int {
		entries, _, err := w.svc.ListAudit(w.ctxM, crm.AuditFilter{ListOptions: crm.ListOptions{Limit: crm.MaxLimit}})
		require.NoError(t, err)
		return len(entries)
	}
	before := audit()
	c, err := w.svc.UpdateClient(w.ctxS1, w.C1.ID, crm.ClientInput{Company: crm.Some(w.C1.Company)}, 0)
	require.NoError(t, err)
	assert.Equal(t, w.C1.Version, c.Version)
	assert.Equal(t, w.C1.DateUpdated, c.DateUpdated)
	k, err := w.svc.UpdateContract(w.ctxM, w.K1.ID, crm.ContractInput{}, 0)
	require.NoError(t, err)
	assert.Equal(t, w.K1.Version, k.Version)
	e, err := w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{Name: crm.Some(w.E1.Name), Attendees: crm.Some(w.E1.Attendees)}, w.E1.Version)
	require.NoError(t, err)
	assert.Equal(t, w.E1.Version, e.Version)
	u, err := w.svc.UpdateUser(w.ctxS1, w.S1.ID, crm.UserInput{FirstName: crm.Some("Sam")}, 0)
	require.NoError(t, err)
	assert.Equal(t, "Sam", u.FirstName)
	assert.Equal(t, before, audit(), "no audit entry for a change of nothing")

	// A stale version is still refused, and a real change still written.
	_, err = w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{}, w.E1.Version-1)
	requireCode(t, err, crm.EPRECONDITION)
	e, err = w.svc.UpdateEvent(w.ctxP1, w.E1.ID, crm.EventInput{Attendees: crm.Some(w.E1.Attendees + 1)}, w.E1.Version)
	require.NoError(t, err)
	assert.Equal(t, w.E1.Version+1, e.Version)
	assert.Equal(t, before+1, audit())
}

func TestSigningIsForbiddenBeforeItConflicts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.SignContract(w.ctxP1, w.K1.ID, 0) // K1 is signed; P1 reads it but may not sign
	requireCode(t, err, crm.EFORBIDDEN)
	_, err = w.svc.SignContract(w.ctxS1, w.K1.ID, 0)
	requireCode(t, err, crm.ECONFLICT)
}

func TestDuplicatesNameTheFieldTaken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("sam"), Email: crm.Some("new@epic.example"), Role: crm.Some(crm.RoleSales), Password: crm.Some(goodPassword)})
	requireCode(t, err, crm.ECONFLICT)
	assert.Equal(t, []string{"username"}, fieldsOf(err))
	_, err = w.svc.CreateUser(w.ctxM, crm.UserInput{Username: crm.Some("newbie"), Email: crm.Some("SAM@epic.example"), Role: crm.Some(crm.RoleSales), Password: crm.Some(goodPassword)})
	requireCode(t, err, crm.ECONFLICT)
	assert.Equal(t, []string{"email"}, fieldsOf(err))
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Username: crm.Some("pat")}, 0)
	requireCode(t, err, crm.ECONFLICT)
	assert.Equal(t, []string{"username"}, fieldsOf(err))
	_, err = w.svc.UpdateUser(w.ctxM, w.S2.ID, crm.UserInput{Email: crm.Some("pat@epic.example")}, 0)
	requireCode(t, err, crm.ECONFLICT)
	assert.Equal(t, []string{"email"}, fieldsOf(err))
}
