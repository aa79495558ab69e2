package web_test

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
)

// TestListExport checks the Export buttons of a list page: the file holds exactly the filtered
// list in the caller's scope (not only the page shown), formula cells neutralised, with a BOM
// for the Excel button.
func TestListExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := 0; i < 3; i++ {
		e.client(e.sales, "Ann", "Mine", "=Mine Corp")
	}
	e.client(e.sales, "Bob", "Mine", "Other")
	e.client(e.sales2, "Ann", "Theirs", "Theirs Corp")
	b := e.loggedIn(e.sales)
	list := b.get("/admin/clients?first_name=ann&limit=1")
	require.Equal(t, http.StatusOK, list.Status)
	href := regexp1(t, list.Body, `href="([^"]*export=csv[^"]*)" download`)
	href = strings.ReplaceAll(href, "&amp;", "&")
	assert.NotContains(t, href, "bom=")
	p := b.get(href)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Equal(t, "text/csv; charset=utf-8", p.Header.Get("Content-Type"))
	assert.Contains(t, p.Header.Get("Content-Disposition"), `filename="clients-`)
	lines := strings.Split(strings.TrimSpace(p.Body), "\r\n")
	require.Len(t, lines, 4, "the header and the three Anns of sam, whatever the page size: %q", p.Body)
	for _, l := range lines[1:] {
		assert.Contains(t, l, ",'=Mine Corp,")
	}
	assert.NotContains(t, p.Body, "Theirs")

	bom := b.get("/admin/clients?first_name=ann&export=csv&bom=true")
	assert.True(t, strings.HasPrefix(bom.Body, "\uFEFF"))
	assert.Contains(t, list.Body, "bom=true")
}

// upload posts a file to the client import page as a multipart form, with the CSRF token of the
// last page; apply presses Import rather than Check.
func upload(t *testing.T, b *browser, file string, apply bool) *page {
	t.Helper()
	return uploadTo(t, b, "/admin/clients/import", file, apply)
}

// uploadTo posts a file to the import page at path (see upload).
func uploadTo(t *testing.T, b *browser, path, file string, apply bool) *page {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	require.NoError(t, w.WriteField("_csrf", b.csrf))
	if apply {
		require.NoError(t, w.WriteField("apply", "1"))
	}
	fw, err := w.CreateFormFile("file", "clients.csv")
	require.NoError(t, err)
	_, err = fw.Write([]byte(file))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// TestImportPage checks the import page: a check reports each row and writes nothing, a bad
// file lists every bad line and writes nothing, the Apply button of a check imports the file,
// and the form refuses a request without the CSRF token.
func TestImportPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.sales)
	list := b.get("/admin/clients")
	assert.Contains(t, list.Body, `href="/admin/clients/import"`)
	require.Equal(t, http.StatusOK, b.get("/admin/clients/import").Status)
	count := func() int {
		n, err := e.svc.CountClients(e.as(e.mgr), crm.ClientFilter{})
		require.NoError(t, err)
		return n
	}

	bad := "email,first_name,last_name\nok@x.example,Ok,Row\nnope,Bad,Row\nalso@x.example,,Row\n"
	p := upload(t, b, bad, true)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "Nothing was imported")
	assert.Contains(t, p.Body, "<td>3</td><td>email</td>")
	assert.Contains(t, p.Body, "<td>4</td><td>first_name</td>")
	assert.Contains(t, p.Body, "3 rows: 1 created, 0 updated, 0 unchanged, 2 refused; nothing was written")
	assert.Equal(t, 0, count())

	b.get("/admin/clients/import")
	good := "email,first_name,last_name,company\nann@x.example,Ann,Lee,Acme\nbob@x.example,Bob,Lee,Acme\n"
	p = upload(t, b, good, false)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "2 rows: 2 would be created")
	assert.Equal(t, 0, count(), "a check writes nothing")
	csvField := regexp1(t, p.Body, `name="csv" value="([^"]*)"`)
	p = b.submit("/admin/clients/import", url.Values{"apply": {"1"}, "csv": {strings.ReplaceAll(csvField, "&#10;", "\n")}})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "2 rows: 2 created")
	assert.Equal(t, 2, count())

	p = b.post("/admin/clients/import", url.Values{"apply": {"1"}, "csv": {good}})
	assert.Equal(t, http.StatusForbidden, p.Status, "no CSRF token")
}

// TestImportUsersPage checks the users import page: offered to management only (others get no
// link and no page, and the service refuses their upload), a bad file lists every bad line in
// the page's language and writes nothing, a check writes nothing and never sends a password
// back, and the import creates the users.
func TestImportUsersPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	count := func() int {
		n, err := e.svc.CountUsers(e.as(e.mgr), crm.UserFilter{})
		require.NoError(t, err)
		return n
	}
	before := count()

	s := e.loggedIn(e.sales)
	assert.NotContains(t, s.get("/admin/users").Body, "/admin/users/import")
	assert.Equal(t, http.StatusNotFound, s.get("/admin/users/import").Status)
	s.get("/admin/clients/import")
	p := uploadTo(t, s, "/admin/users/import", "username,email,role,password\nann,ann@x.example,sales,Velvet-Harbor-91\n", true)
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Equal(t, before, count())

	b := e.loggedIn(e.mgr)
	assert.Contains(t, b.get("/admin/users").Body, `href="/admin/users/import"`)
	require.Equal(t, http.StatusOK, b.get("/admin/users/import").Status)
	bad := "username,email,role,password\n" +
		"ann,ann@x.example,sales,Velvet-Harbor-91\n" +
		"bob,bob@x.example,chief,Velvet-Harbor-91\n" + // 3: no such role
		"cid,cid@x.example,sales,\n" + // 4: no password
		"morgan,morgan@epic.example,sales,\n" // 5: the importer's own role
	p = uploadTo(t, b, "/admin/users/import", bad, true)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "Nothing was imported")
	assert.Contains(t, p.Body, "<td>3</td><td>role</td><td>Choose one of the offered values.</td>")
	assert.Contains(t, p.Body, "<td>4</td><td>password</td><td>A new user needs a password")
	assert.Contains(t, p.Body, "<td>5</td><td>role</td><td>This row is your own account")
	assert.NotContains(t, p.Body, "Velvet-Harbor-91")
	assert.Equal(t, before, count())

	b.get("/admin/users/import")
	good := "username,email,first_name,role,password\nann,ann@x.example,Ann,Sales,Velvet-Harbor-91\nbob,bob@x.example,Bob,support,Quiet-Meadow-42\n"
	p = uploadTo(t, b, "/admin/users/import", good, false)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "2 rows: 2 would be created")
	assert.Contains(t, p.Body, "choose the file again")
	assert.NotContains(t, p.Body, `name="csv"`, "a file of users is never sent back")
	assert.NotContains(t, p.Body, "Velvet-Harbor-91")
	assert.Equal(t, before, count(), "a check writes nothing")
	p = uploadTo(t, b, "/admin/users/import", good, true)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "2 rows: 2 created")
	assert.NotContains(t, p.Body, "Velvet-Harbor-91")
	assert.Equal(t, before+2, count())
}

// TestImportPageInFrench checks that the problems of an import, the import's own and the
// fields', and its summary show in French on a French page.
func TestImportPageInFrench(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.loggedIn(e.mgr)
	b.get("/admin/preferences")
	p := b.submit("/admin/preferences", url.Values{"language": {"fr"}, "time_zone": {""}, "theme": {"auto"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	fragments := englishFragments(t)

	b.get("/admin/users/import")
	p = uploadTo(t, b, "/admin/users/import", "username,email,role,password\n"+
		"ann,ann@x.example,chief,Velvet-Harbor-91\n"+
		"bob,ANN@x.example,sales,\n"+
		"cid,cid@x.example,sales,\n"+
		"morgan,morgan@epic.example,management,Velvet-Harbor-91\n", true)
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "Importer des utilisateurs")
	assert.Contains(t, p.Body, "Choisissez une des valeurs proposées.")
	assert.Contains(t, p.Body, "La même adresse e-mail qu’à la ligne 2")
	assert.Contains(t, p.Body, "Un nouvel utilisateur a besoin d’un mot de passe")
	assert.Contains(t, p.Body, "Cet utilisateur existe déjà")
	assert.Contains(t, p.Body, "4 lignes — créées\u00a0: 0, mises à jour\u00a0: 0, inchangées\u00a0: 0, refusées\u00a0: 4")
	users := p
	b.get("/admin/clients/import")
	p = upload(t, b, "email,first_name\nz@z.example,Z\n", false)
	assert.Contains(t, p.Body, "Colonne manquante")
	for _, page := range []*page{users, p} {
		for _, frag := range fragments {
			if strings.Contains(page.Body, frag) || strings.Contains(page.Body, html.EscapeString(frag)) {
				t.Errorf("the import report shows English %q", frag)
			}
		}
	}
}
