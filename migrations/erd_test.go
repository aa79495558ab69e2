package migrations_test

import (
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/migrations"
)

// erdTables are the business tables the README's diagram shows; the credential tables (tokens,
// sessions, login failures) are left out of it.
var erdTables = []string{"users", "clients", "contracts", "events", "audit"}

var (
	createTable = regexp.MustCompile(`(?s)CREATE TABLE (\w+) \((.*?)\n\)`)
	addColumn   = regexp.MustCompile(`ALTER TABLE (\w+) ADD COLUMN ([^;]*);`)
	references  = regexp.MustCompile(`REFERENCES (\w+)`)
)

// erd builds the Mermaid entity-relationship diagram of the business tables from the SQLite
// migrations, applied in order.
func erd(t *testing.T) string {
	t.Helper()
	files, err := fs.Glob(migrations.SQLite, "*.up.sql")
	require.NoError(t, err)
	sort.Strings(files)
	var schema strings.Builder
	for _, f := range files {
		b, err := fs.ReadFile(migrations.SQLite, f)
		require.NoError(t, err)
		schema.Write(b)
	}
	type column struct{ name, typ, key string }
	tables := map[string][]column{}
	var rels []string
	text := schema.String()
	// Tables as created, then the columns later migrations add, in order.
	defs := createTable.FindAllStringSubmatch(text, -1)
	for _, m := range addColumn.FindAllStringSubmatch(text, -1) {
		defs = append(defs, []string{m[0], m[1], m[2]})
	}
	for _, m := range defs {
		table := m[1]
		for _, line := range strings.Split(m[2], "\n") {
			fields := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ","))
			if len(fields) < 2 || strings.ToUpper(fields[0]) == fields[0] {
				continue
			}
			c := column{name: fields[0], typ: strings.ToLower(fields[1])}
			if strings.Contains(line, "PRIMARY KEY") {
				c.key = "PK"
			}
			if ref := references.FindStringSubmatch(line); ref != nil {
				c.key = "FK"
				card := "}o--o|"
				if strings.Contains(line, "NOT NULL") {
					card = "}o--||"
				}
				rels = append(rels, fmt.Sprintf("    %s %s %s : %s", table, card, ref[1], c.name))
			}
			tables[table] = append(tables[table], c)
		}
	}
	var b strings.Builder
	b.WriteString("erDiagram\n")
	for _, r := range rels {
		for _, want := range erdTables {
			if strings.HasPrefix(strings.TrimSpace(r), want+" ") {
				b.WriteString(r + "\n")
			}
		}
	}
	for _, name := range erdTables {
		cols, ok := tables[name]
		require.True(t, ok, "no table %s in the migrations", name)
		fmt.Fprintf(&b, "    %s {\n", name)
		for _, c := range cols {
			fmt.Fprintf(&b, "        %s %s", c.typ, c.name)
			if c.key != "" {
				b.WriteString(" " + c.key)
			}
			b.WriteString("\n")
		}
		b.WriteString("    }\n")
	}
	return b.String()
}

// TestREADMEDiagramMatchesMigrations keeps the README's ERD true: it must be exactly the diagram
// the migrations describe. When a migration changes, paste the diagram this test prints.
func TestREADMEDiagramMatchesMigrations(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	block := regexp.MustCompile("(?s)```mermaid\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, block, "README.md has no mermaid block")
	want := erd(t)
	require.Equal(t, want, string(block[1]), "README.md's diagram differs from the migrations; replace it with:\n%s", want)
}
