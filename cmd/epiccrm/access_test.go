package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/password"
	"github.com/epicevents/epiccrm/adapters/postgres/pgtest"
	"github.com/epicevents/epiccrm/adapters/sqlite/sqlitetest"
	"github.com/epicevents/epiccrm/crm"
)

// demoApp opens the CRM on st and loads the demo data.
func demoApp(t *testing.T, st epiccrm.Store) *epiccrm.App {
	t.Helper()
	ctx := context.Background()
	app, err := epiccrm.Open(ctx, epiccrm.Config{Store: st, Passwords: password.New(password.ForTests),
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = app.Close() })
	require.NoError(t, loadDemo(ctx, st.Deps().Users, app.Service, io.Discard))
	return app
}

// poison makes an update that passed every permission and field check fail validation, so that
// the checks can be tried without writing: a field the caller may set ends in EINVALID, one they
// may not in EFORBIDDEN.
const poison = ""

// TestExplainAgreesWithReadsAndWrites checks, on both stores, for every demo user and every
// demo record, that Explain says what a real read and a real update by that user do, and that
// each field rule it gives for an update is what an update setting that field meets.
func TestExplainAgreesWithReadsAndWrites(t *testing.T) {
	for _, k := range []struct {
		name string
		open func(testing.TB) epiccrm.Store
	}{
		{"sqlite", func(tb testing.TB) epiccrm.Store { return sqlitetest.New(tb) }},
		{"postgres", func(tb testing.TB) epiccrm.Store { return pgtest.New(tb) }},
	} {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			app := demoApp(t, k.open(t))
			svc := app.Service
			users, _, err := app.Store().Deps().Users.ListUsers(ctx, crm.UserFilter{ListOptions: crm.ListOptions{Limit: 100, Sort: "id"}}, crm.FullAccess)
			require.NoError(t, err)
			require.Len(t, users, len(demoUsers))
			byName := map[string]*crm.User{}
			for _, u := range users {
				byName[u.Username] = u
			}
			asAda := crm.NewContext(ctx, byName["ada"])
			clients, _, err := svc.ListClients(asAda, crm.ClientFilter{})
			require.NoError(t, err)
			contracts, _, err := svc.ListContracts(asAda, crm.ContractFilter{})
			require.NoError(t, err)
			events, _, err := svc.ListEvents(asAda, crm.EventFilter{})
			require.NoError(t, err)
			type record struct {
				res crm.Resource
				id  int64
			}
			var records []record
			for _, u := range users {
				records = append(records, record{crm.ResourceUser, u.ID})
			}
			for _, c := range clients {
				records = append(records, record{crm.ResourceClient, c.ID})
			}
			for _, c := range contracts {
				records = append(records, record{crm.ResourceContract, c.ID})
			}
			for _, e := range events {
				records = append(records, record{crm.ResourceEvent, e.ID})
			}
			other := func(role crm.Role, not *int64) *int64 {
				for _, u := range users {
					if u.Role == role && (not == nil || *not != u.ID) {
						return &u.ID
					}
				}
				return nil
			}
			checked, fields := 0, 0
			for _, u := range users {
				as := crm.NewContext(ctx, u)
				for _, rec := range records {
					read, err := svc.Explain(ctx, u.ID, rec.res, crm.ActionRead, rec.id)
					require.NoError(t, err)
					var readErr, updateErr error
					var current any
					switch rec.res {
					case crm.ResourceUser:
						current, readErr = svc.GetUser(as, rec.id)
						_, updateErr = svc.UpdateUser(as, rec.id, crm.UserInput{}, 0)
					case crm.ResourceClient:
						current, readErr = svc.GetClient(as, rec.id)
						_, updateErr = svc.UpdateClient(as, rec.id, crm.ClientInput{}, 0)
					case crm.ResourceContract:
						current, readErr = svc.GetContract(as, rec.id)
						_, updateErr = svc.UpdateContract(as, rec.id, crm.ContractInput{}, 0)
					case crm.ResourceEvent:
						current, readErr = svc.GetEvent(as, rec.id)
						_, updateErr = svc.UpdateEvent(as, rec.id, crm.EventInput{}, 0)
					}
					what := fmt.Sprintf("%s on %s %d", u.Username, rec.res, rec.id)
					assert.Equal(t, readErr == nil, read.Allowed, "%s: read: explain says %q, the read says %v", what, read.Reason, readErr)
					if readErr != nil {
						assert.Equal(t, crm.ENOTFOUND, crm.ErrorCode(readErr), what)
					}
					update, err := svc.Explain(ctx, u.ID, rec.res, crm.ActionUpdate, rec.id)
					require.NoError(t, err)
					assert.Equal(t, updateErr == nil, update.Allowed, "%s: update: explain says %q, the update says %v", what, update.Reason, updateErr)
					checked++
					if !update.Allowed {
						continue
					}
					for _, f := range update.Fields {
						var err error
						switch rec.res {
						case crm.ResourceUser:
							in := crm.UserInput{FirstName: crm.Some(strings.Repeat("x", 500))}
							target := current.(*crm.User)
							switch f.Field {
							case "role":
								in.Role = crm.Some(map[bool]crm.Role{true: crm.RoleSupport, false: crm.RoleSales}[target.Role != crm.RoleSupport])
							case "is_active":
								in.IsActive = crm.Some(!target.IsActive)
							case "password":
								in.Password = crm.Some("Another-Long-Password-77")
							case "username":
								in.Username = crm.Some("renamed" + target.Username)
							case "email":
								in.Email = crm.Some("renamed." + target.Email)
							}
							_, err = svc.UpdateUser(as, rec.id, in, 0)
						case crm.ResourceClient:
							c := current.(*crm.Client)
							_, err = svc.UpdateClient(as, rec.id, crm.ClientInput{FirstName: crm.Some(poison),
								SalesContactID: crm.Some(other(crm.RoleSales, c.SalesContactID))}, 0)
						case crm.ResourceContract:
							c := current.(*crm.Contract)
							in := crm.ContractInput{Amount: crm.Some(crm.Money(-1))}
							if f.Field == "status" {
								if c.Status == crm.ContractSigned {
									continue // signing a signed contract changes nothing
								}
								in.Status = crm.Some(crm.ContractSigned)
							} else {
								in.SalesContactID = crm.Some(other(crm.RoleSales, c.SalesContactID))
							}
							_, err = svc.UpdateContract(as, rec.id, in, 0)
						case crm.ResourceEvent:
							e := current.(*crm.Event)
							_, err = svc.UpdateEvent(as, rec.id, crm.EventInput{Name: crm.Some(poison),
								SupportContactID: crm.Some(other(crm.RoleSupport, e.SupportContactID))}, 0)
						}
						want := crm.EFORBIDDEN
						if f.Allowed {
							want = crm.EINVALID
						}
						assert.Equal(t, want, crm.ErrorCode(err), "%s: field %s: explain says allowed=%v (%s), the update says %v",
							what, f.Field, f.Allowed, f.Rule, err)
						if !f.Allowed {
							assert.Contains(t, crm.ErrorMessage(err), f.Rule[:20], "%s: the update refuses %s with the rule explain quotes", what, f.Field)
						}
						fields++
					}
				}
				// create, whose scope applies to the parent record.
				for _, c := range clients {
					ex, err := svc.Explain(ctx, u.ID, crm.ResourceContract, crm.ActionCreate, c.ID)
					require.NoError(t, err)
					_, err = svc.CreateContract(as, crm.ContractInput{ClientID: crm.Some(c.ID), Amount: crm.Some(crm.Money(-1))})
					assert.Equal(t, ex.Allowed, crm.ErrorCode(err) == crm.EINVALID && !hasField(err, "client_id"),
						"%s creating a contract for client %d: explain says %q, the create says %v", u.Username, c.ID, ex.Reason, err)
				}
				for _, k := range contracts {
					ex, err := svc.Explain(ctx, u.ID, crm.ResourceEvent, crm.ActionCreate, k.ID)
					require.NoError(t, err)
					_, err = svc.CreateEvent(as, crm.EventInput{ContractID: crm.Some(k.ID)})
					allowed := crm.ErrorCode(err) == crm.EINVALID && !hasField(err, "contract_id")
					if k.Status != crm.ContractSigned && crm.ErrorCode(err) == crm.ECONFLICT {
						allowed = true // allowed, but the contract is not signed
					}
					assert.Equal(t, ex.Allowed, allowed,
						"%s creating an event for contract %d: explain says %q, the create says %v", u.Username, k.ID, ex.Reason, err)
				}
			}
			assert.Equal(t, len(users)*len(records), checked)
			assert.Greater(t, fields, 30, "field rules tried")
		})
	}
}

func hasField(err error, field string) bool {
	return slices.ContainsFunc(crm.ErrorFields(err), func(f crm.FieldError) bool { return f.Field == field })
}
