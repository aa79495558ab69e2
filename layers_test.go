package epiccrm_test

import (
	"go/build"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeliveryAdaptersImportNoOtherAdapter keeps the wiring in package epiccrm: the REST API and
// the admin UI declare the ports they need and import no other adapter and no database or token
// driver (the small HTTP helpers they share, clientip and reqid, live in internal/).
func TestDeliveryAdaptersImportNoOtherAdapter(t *testing.T) {
	drivers := []string{"github.com/jackc/", "modernc.org/sqlite", "github.com/lestrrat-go/jwx", "github.com/casbin/",
		"github.com/golang-migrate/", "database/sql"}
	for _, dir := range []string{"adapters/httpapi", "adapters/web"} {
		pkg, err := build.ImportDir(dir, 0)
		require.NoError(t, err)
		for _, imp := range pkg.Imports {
			if strings.HasPrefix(imp, "github.com/epicevents/epiccrm/adapters/") {
				assert.Fail(t, "a delivery adapter imports another adapter", "%s imports %s", dir, imp)
			}
			for _, d := range drivers {
				assert.False(t, strings.HasPrefix(imp, d), "%s imports the driver %s", dir, imp)
			}
		}
	}
}
