package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/epicevents/epiccrm/crm"
)

// importKinds are the kinds of records the import command takes, with the service method
// that imports each.
var importKinds = map[string]func(*crm.Service, context.Context, []byte, bool) (*crm.ImportReport, error){
	"clients": (*crm.Service).ImportClients,
	"users":   (*crm.Service).ImportUsers,
}

// cmdImport imports a CSV file of clients or users as a user, through the same rules as the
// API: one transaction for the whole file, or nothing.
func cmdImport(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("import clients|users FILE --as USERNAME [--dry-run]",
		"Create or update clients or users from a CSV file, matching existing records by email. The rows are\n"+
			"checked and applied as USERNAME would through the API: all of them in one transaction, or none when\n"+
			"any row is bad; every problem is printed with its line number. --dry-run only reports. FILE - reads stdin.\n"+
			"Clients: header email,first_name,last_name and optionally phone,mobile,company,status,sales_contact_id.\n"+
			"Users (management): header username,email and optionally first_name,last_name,role,is_active,password;\n"+
			"a new user needs a role and a password, which sets only a new user's and is never printed.", e.stderr)
	var uf userFlags
	uf.register(fs, "as", "the username of the importer, whose permissions and scope apply (required)")
	dry := fs.Bool("dry-run", false, "check every row and report what would be done, writing nothing")
	maxRows := fs.Int("max-rows", crm.DefaultImportRows, "the most rows a file may hold")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	run, ok := importKinds[fs.Arg(0)]
	if fs.NArg() != 2 || !ok {
		return usageError{"give the kind of records and the file: import clients FILE --as USERNAME, or import users FILE --as USERNAME"}
	}
	if uf.username == "" {
		return usageError{"--as USERNAME is required: the import runs with that user's permissions and is audited as theirs"}
	}
	if *maxRows <= 0 {
		return usageError{fmt.Sprintf("--max-rows %d: give a positive number", *maxRows)}
	}
	data, err := readImportFile(fs.Arg(1), e.stdin)
	if err != nil {
		return err
	}
	app, u, err := uf.open(ctx, func(d crm.Deps) crm.Deps { d.ImportRows = *maxRows; return d }, true)
	if err != nil {
		return err
	}
	defer app.Close()
	rep, err := run(app.Service, crm.NewContext(ctx, u), data, *dry)
	if rep != nil {
		printImport(e.stdout, rep)
	}
	if err != nil {
		if rep != nil && crm.ErrorCode(err) == crm.EINVALID {
			return fmt.Errorf("the import was refused and nothing was written: fix the lines above and run it again")
		}
		return describe(err)
	}
	if rep.DryRun && len(rep.Errors) > 0 {
		return exitCode(1)
	}
	return nil
}

// readImportFile reads the file to import, or stdin for "-".
func readImportFile(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading the file to import: %w", err)
	}
	return data, nil
}

// printImport writes an import report for a person: one line per problem, by line number,
// then the counts.
func printImport(w io.Writer, rep *crm.ImportReport) {
	for _, e := range rep.Errors {
		where := "file"
		if e.Line > 0 {
			where = fmt.Sprintf("line %d", e.Line)
		}
		if e.Field != "" {
			where += ", " + e.Field
		}
		fmt.Fprintf(w, "%s: %s\n", where, e.Message)
	}
	switch {
	case rep.DryRun:
		fmt.Fprintf(w, "dry run, nothing written: %s\n", rep.Summary())
	case rep.Applied:
		fmt.Fprintf(w, "imported: %s\n", rep.Summary())
	default:
		fmt.Fprintf(w, "%s\n", rep.Summary())
	}
}
