package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// importCSV posts a CSV file to the client import as who.
func (e *env) importCSV(t *testing.T, who, query, body string) (int, crm.ImportReport, problemBody) {
	t.Helper()
	return e.importTo(t, "clients", who, query, body)
}

// importTo posts a CSV file to the import of kind (clients, users) as who.
func (e *env) importTo(t *testing.T, kind, who, query, body string) (int, crm.ImportReport, problemBody) {
	t.Helper()
	resp, b := e.doBody(t, req{who: who, method: "POST", path: "/api/v1/" + kind + "/import" + query}, body, "text/csv")
	var rep crm.ImportReport
	var p problemBody
	if resp.StatusCode == 200 {
		require.NoError(t, json.Unmarshal(b, &rep), string(b))
	} else {
		p = decodeProblem(t, resp, b)
	}
	return resp.StatusCode, rep, p
}

func (e *env) clientsByEmail(t *testing.T, email string) []*crm.Client {
	t.Helper()
	list, _, err := e.store.Deps().Clients.ListClients(context.Background(), crm.ClientFilter{Email: email}, crm.FullAccess)
	require.NoError(t, err)
	return list
}

// TestImportClients checks a dry run (nothing written, what would happen reported), then the
// import itself (each record created or updated through the rules and audited as the
// importer), on both stores.
func TestImportClients(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		file := "\uFEFFEmail,first_name,last_name,company,phone\r\n" +
			"CARLA@acme.example,Carla,Client,Acme Group,+33 1 00 00 00 01\r\n" + // S1's client: updated
			"new@new.example,Nina,New,'=Formula Inc,\r\n" + // created, the export's quote undone
			"otto@globex.example,Otto,Other,Mine now,\r\n" // S2's client, which S1 cannot see: a new one of S1's
		last := e.lastAuditID(t)
		code, rep, p := e.importCSV(t, "S1", "?dry_run=true", file)
		require.Equal(t, 200, code, p.Detail)
		assert.True(t, rep.DryRun)
		assert.False(t, rep.Applied)
		assert.Equal(t, 3, rep.Rows)
		assert.Equal(t, 2, rep.Created)
		assert.Equal(t, 1, rep.Updated)
		assert.Empty(t, rep.Errors)
		assert.Equal(t, []crm.ImportRow{
			{Line: 2, Email: "CARLA@acme.example", Action: crm.ImportUpdate, ID: e.ids["C1"]},
			{Line: 3, Email: "new@new.example", Action: crm.ImportCreate},
			{Line: 4, Email: "otto@globex.example", Action: crm.ImportCreate},
		}, rep.Results)
		assert.Equal(t, last, e.lastAuditID(t), "a dry run writes nothing")
		assert.Empty(t, e.clientsByEmail(t, "new@new.example"))

		code, rep, p = e.importCSV(t, "S1", "", file)
		require.Equal(t, 200, code, p.Detail)
		assert.True(t, rep.Applied)
		assert.Equal(t, "3 rows: 2 created, 1 updated, 0 unchanged, 0 refused", rep.Summary())
		c1, err := e.svc.GetClient(e.as("M"), e.ids["C1"])
		require.NoError(t, err)
		assert.Equal(t, "Acme Group", c1.Company)
		created := e.clientsByEmail(t, "new@new.example")
		require.Len(t, created, 1)
		assert.Equal(t, "=Formula Inc", created[0].Company)
		assert.Equal(t, e.ids["S1"], *created[0].SalesContactID, "a sales importer's new client is theirs")
		otto := e.clientsByEmail(t, "otto@globex.example")
		require.Len(t, otto, 2, "S2's client untouched, a new one for S1")
		entries, _, err := e.svc.ListAudit(e.as("M"), crm.AuditFilter{ListOptions: crm.ListOptions{Sort: "-id", Limit: 10}})
		require.NoError(t, err)
		var mine int
		for _, a := range entries {
			if a.ID > last {
				mine++
				assert.Equal(t, e.ids["S1"], a.ActorID)
				assert.Equal(t, crm.ResourceClient, a.Resource)
			}
		}
		assert.Equal(t, 3, mine, "one audit entry per record")

		// The same file again changes nothing.
		code, rep, _ = e.importCSV(t, "S1", "", file)
		require.Equal(t, 200, code)
		assert.Equal(t, 3, rep.Unchanged, "every client is as the file says, the two created by it matched by email now")
		assert.Len(t, e.clientsByEmail(t, "otto@globex.example"), 2)
	})
}

// TestImportAllOrNothing checks that a file with bad rows writes nothing, on both stores, and
// names every bad row by its line, not only the first.
func TestImportAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		file := "email,first_name,last_name,sales_contact_id,status\n" +
			"a1@ok.example,Ann,One,,\n" +
			"a2@ok.example,Ann,Two,,\n" +
			"not-an-email,Ann,Three,,\n" + // line 4
			"a4@ok.example,,Four,,\n" + // line 5: no first name
			"a5@ok.example,Ann,Five,{S2},\n" + // line 6: S1 may not assign S2
			"a1@OK.example,Ann,Again,,\n" + // line 7: same email as line 2
			"a7@ok.example,Ann,Seven,,maybe\n" + // line 8: bad status
			"a8@ok.example,Ann\n" // line 9: too few cells
		last := e.lastAuditID(t)
		code, _, p := e.importCSV(t, "S1", "", e.expand(file))
		require.Equal(t, 422, code, p.Detail)
		assert.Contains(t, p.Detail, "nothing was written")
		assert.ElementsMatch(t, []string{"line 4: email", "line 5: first_name", "line 6: sales_contact_id",
			"line 7: email", "line 8: status", "line 9"}, fieldNames(p))
		assert.Equal(t, last, e.lastAuditID(t), "rows 2 and 3, valid, were not written either")
		assert.Empty(t, e.clientsByEmail(t, "a1@ok.example"))

		// A dry run reports the same, with the rows that would pass.
		code, rep, _ := e.importCSV(t, "S1", "?dry_run=true", e.expand(file))
		require.Equal(t, 200, code)
		assert.Equal(t, 8, rep.Rows)
		assert.Equal(t, 2, rep.Created)
		assert.Equal(t, 6, rep.Refused)
		for _, er := range rep.Errors {
			if er.Line == 7 {
				assert.Contains(t, er.Message, "line 2")
			}
		}
	})
}

// TestImportBadFiles checks the refusals of a whole file: encoding, columns, size, type,
// permission; each says what to do, and nothing is written.
func TestImportBadFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0], func(o *envOptions) {
		o.wrap = func(d crm.Deps) crm.Deps { d.ImportRows = 3; return d }
	})
	last := e.lastAuditID(t)
	for _, tc := range []struct {
		name, who, body string
		code            int
		want            string
	}{
		{"latin-1", "S1", "email,first_name,last_name\nz@z.example,J\xe9r\xf4me,Z\n", 422, "not UTF-8"},
		{"missing column", "S1", "email,first_name\nz@z.example,Z\n", 422, `missing column "last_name"`},
		{"unknown column", "S1", "email,first_name,last_name,shoe_size\nz@z.example,Z,Z,42\n", 422, `unknown column "shoe_size"`},
		{"empty", "S1", "", 422, "the file is empty"},
		{"header only", "S1", "email,first_name,last_name\n", 422, "no rows"},
		{"too many rows", "S1", "email,first_name,last_name\na@a.example,A,A\nb@a.example,B,B\nc@a.example,C,C\nd@a.example,D,D\n", 422, "more than 3 rows"},
		{"bad quotes", "S1", "email,first_name,last_name\na@a.example,\"A,A\n", 422, "cannot read the file"},
		{"support", "P1", "email,first_name,last_name\na@a.example,A,A\n", 403, "may not"},
	} {
		code, _, p := e.importCSV(t, tc.who, "", tc.body)
		assert.Equal(t, tc.code, code, tc.name)
		all := p.Detail
		for _, f := range p.Errors {
			all += " | " + f.Message
		}
		assert.Contains(t, all, tc.want, tc.name)
	}
	resp, body := e.doBody(t, req{who: "S1", method: "POST", path: "/api/v1/clients/import"}, "email\n", "application/json")
	assert.Equal(t, 415, resp.StatusCode, string(body))
	assert.Equal(t, last, e.lastAuditID(t))
}

// TestImportUsers checks the import of users on both stores: an export of the users, edited
// (a name changed, a user added with a password), is checked by a dry run that writes nothing,
// then applied, each write audited as the importer's; the new user logs in with the password,
// which no answer shows.
func TestImportUsers(t *testing.T) {
	eachStore(t, func(t *testing.T, k storeKind) {
		e := newEnv(t, k)
		resp, export := e.do(t, req{who: "M", method: "GET", path: "/api/v1/users",
			header: map[string]string{"Accept": "text/csv"}})
		require.Equal(t, http.StatusOK, resp.StatusCode, string(export))
		file := strings.Replace(string(export), ",Sally,", ",Salome,", 1)
		require.NotEqual(t, string(export), file, "the export names Sally: %s", export)
		file = strings.Replace(file, "last_login\r\n", "last_login,password\r\n", 1)
		file = strings.ReplaceAll(file, "\r\n", ",\r\n")
		file = strings.Replace(file, "last_login,password,", "last_login,password", 1)
		file += ",nina,nina@epic.example,Nina,New,Support,true,,,Velvet-Harbor-91\r\n"
		last := e.lastAuditID(t)

		code, rep, p := e.importTo(t, "users", "M", "?dry_run=true", file)
		require.Equal(t, 200, code, p.Detail)
		assert.Empty(t, rep.Errors)
		assert.Equal(t, 1, rep.Created)
		assert.Equal(t, 1, rep.Updated)
		assert.Equal(t, 4, rep.Unchanged)
		assert.Equal(t, last, e.lastAuditID(t), "a dry run writes nothing")

		resp, body := e.doBody(t, req{who: "M", method: "POST", path: "/api/v1/users/import"}, file, "text/csv")
		require.Equal(t, 200, resp.StatusCode, string(body))
		assert.NotContains(t, string(body), "Velvet-Harbor-91")
		require.NoError(t, json.Unmarshal(body, &rep))
		assert.True(t, rep.Applied)
		assert.Equal(t, "Salome", e.current(t, "S1").FirstName)
		e.loginAs(t, "nina", "Velvet-Harbor-91")
		entries, _, err := e.svc.ListAudit(e.as("M"), crm.AuditFilter{ListOptions: crm.ListOptions{Sort: "-id", Limit: 10}})
		require.NoError(t, err)
		var mine int
		for _, a := range entries {
			if a.ID > last && a.Resource == crm.ResourceUser && a.Action != crm.ActionRead {
				mine++
				assert.Equal(t, e.ids["M"], a.ActorID)
				assert.NotContains(t, a.Changes, "password")
			}
		}
		assert.Equal(t, 2, mine, "the update and the create are audited as the importer's")
	})
}

// TestImportUsersRefused checks the refusals of a users import: every bad row by line and code
// (a 422 with nothing written, and the dry run's report), and a 403 for anyone who may not
// create users.
func TestImportUsersRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0], func(o *envOptions) {
		o.wrap = func(d crm.Deps) crm.Deps { d.ImportRows = 5; return d }
	})
	file := "username,email,role,password\n" +
		"ann,ann@epic.example,sales,Velvet-Harbor-91\n" +
		"bob,bob@epic.example,chief,Velvet-Harbor-91\n" + // 3: no such role
		"cat,cat@epic.example,sales,\n" + // 4: no password
		"dan,ANN@epic.example,sales,Velvet-Harbor-91\n" + // 5: line 2's email
		"manager,manager@epic.example,sales,\n" // 6: the importer's own role
	last := e.lastAuditID(t)
	code, _, p := e.importTo(t, "users", "M", "", file)
	require.Equal(t, 422, code, p.Detail)
	assert.Contains(t, p.Detail, "nothing was written")
	assert.ElementsMatch(t, []string{"line 3: role", "line 4: password", "line 5: email", "line 6: role"}, fieldNames(p))
	assert.Equal(t, last, e.lastAuditID(t))

	resp, body := e.doBody(t, req{who: "M", method: "POST", path: "/api/v1/users/import?dry_run=true"}, file, "text/csv")
	require.Equal(t, 200, resp.StatusCode, string(body))
	var raw struct {
		Errors []map[string]any `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	var codes []string
	for _, er := range raw.Errors {
		codes = append(codes, er["code"].(string))
		assert.NotEmpty(t, er["message"])
	}
	assert.ElementsMatch(t, []string{"invalid_choice", crm.ImportNewUserPassword, crm.ImportRepeatedEmail, crm.ImportOwnRole}, codes)
	assert.NotContains(t, string(body), "Velvet-Harbor-91")

	for _, tc := range []struct {
		name, body, want string
	}{
		{"latin-1", "username,email\nj\xe9r\xf4me,j@epic.example\n", "not UTF-8"},
		{"missing column", "email,role\na@epic.example,sales\n", `missing column "username"`},
		{"too many rows", "username,email\n" + strings.Repeat("a,a@epic.example\n", 6), "more than 5 rows"},
		{"weak password", "username,email,role,password\nzed,zed@epic.example,sales,zed\n", "password"},
	} {
		code, _, p := e.importTo(t, "users", "M", "", tc.body)
		assert.Equal(t, 422, code, tc.name)
		all := p.Detail
		for _, f := range p.Errors {
			all += " | " + f.Field + " " + f.Message
		}
		assert.Contains(t, all, tc.want, tc.name)
	}
	for _, who := range []string{"S1", "P1"} {
		code, _, p := e.importTo(t, "users", who, "?dry_run=true", "username,email,role,password\nann,ann@epic.example,sales,Velvet-Harbor-91\n")
		assert.Equal(t, 403, code, who)
		assert.Contains(t, p.Detail, "may not create users", who)
	}
	assert.Equal(t, last, e.lastAuditID(t), "nothing was written")
}
