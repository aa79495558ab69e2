package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

// cmdImport imports a CSV file of clients as a user, through the same rules as the API: one
// transaction for the whole file, or nothing.
func cmdImport(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("import clients FILE --as USERNAME [--dry-run]",
		"Create or update clients from a CSV file (UTF-8; header: email,first_name,last_name and optionally\n"+
			"phone,mobile,company,status,sales_contact_id), matching existing clients by email. The rows are\n"+
			"checked and applied as USERNAME would through the API: all of them in one transaction, or none when\n"+
			"any row is bad; every problem is printed with its line number. --dry-run only reports. FILE - reads stdin.", e.stderr)
	var db dbFlags
	db.register(fs)
	as := fs.String("as", "", "the username of the importer, whose permissions and scope apply (required)")
	dry := fs.Bool("dry-run", false, "check every row and report what would be done, writing nothing")
	maxRows := fs.Int("max-rows", crm.DefaultImportRows, "the most rows a file may hold")
	file := fs.String("policy", "", "the policy file (default: the built-in policy)")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() != 2 || fs.Arg(0) != "clients" {
		return usageError{"give the kind of records and the file: import clients FILE --as USERNAME"}
	}
	if *as == "" {
		return usageError{"--as USERNAME is required: the import runs with that user's permissions and is audited as theirs"}
	}
	if *maxRows <= 0 {
		return usageError{fmt.Sprintf("--max-rows %d: give a positive number", *maxRows)}
	}
	data, err := readImportFile(fs.Arg(1), e.stdin)
	if err != nil {
		return err
	}
	pol, err := loadPolicy(*file)
	if err != nil {
		return err
	}
	app, err := openCRM(ctx, db.url, false, epiccrm.Config{Authorizer: pol, Logger: slog.New(slog.DiscardHandler),
		Deps: func(d crm.Deps) crm.Deps { d.ImportRows = *maxRows; return d }})
	if err != nil {
		return err
	}
	defer app.Close()
	name := *as
	if canon, err := crm.CanonicalUsername(name); err == nil {
		name = canon
	}
	u, err := app.Store().Deps().Users.FindUserByUsername(ctx, name)
	if crm.ErrorCode(err) == crm.ENOTFOUND || (err == nil && !u.IsActive) {
		return fmt.Errorf("no active user named %q in the database", *as)
	}
	if err != nil {
		return describe(err)
	}
	rep, err := app.Service.ImportClients(crm.NewContext(ctx, u), data, *dry)
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
