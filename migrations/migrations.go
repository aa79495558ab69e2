// Package migrations holds the database schema of EpicCRM as golang-migrate migrations, one set
// per SQL dialect, embedded in the binary so that `epiccrm migrate up` and the server need no
// files beside them.
//
// Each set is a directory of NNNN_name.up.sql / NNNN_name.down.sql pairs; a store opens it with
// golang-migrate's iofs source: iofs.New(migrations.SQLite, ".").
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite is the migration set for SQLite, rooted at its directory.
var SQLite = sub("sqlite")

// Postgres is the migration set for PostgreSQL, rooted at its directory.
var Postgres = sub("postgres")

// sub returns the embedded directory dir as a file system of its own. The directories are
// embedded above, so a failure is a build mistake, not a runtime condition.
func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic("migrations: " + err.Error())
	}
	return f
}
