package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// openForPolicy opens the CRM on the database of url under the policy file (the built-in
// policy when file is ""), without migrating and without watching the file: the policy
// commands only read, an import writes through the service. deps, when not nil, adjusts the
// service's dependencies.
func openForPolicy(ctx context.Context, url, file string, deps func(crm.Deps) crm.Deps) (*epiccrm.App, *policy.Policy, error) {
	pol, err := loadPolicy(file)
	if err != nil {
		return nil, nil, err
	}
	app, err := openCRM(ctx, url, false, epiccrm.Config{Authorizer: pol, Logger: slog.New(slog.DiscardHandler), Deps: deps})
	if err != nil {
		return nil, nil, err
	}
	return app, pol, nil
}

// cmdPolicyExplain says whether a user may do an action on a resource or record, and why.
func cmdPolicyExplain(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("policy explain --user USERNAME --action ACTION --resource RESOURCE [--id ID] [--policy FILE]",
		"Say whether a user may do an action on a resource (or, with --id, on one record) and why: their role,\n"+
			"the policy lines that give each scope (inheritance resolved), which scope reaches the record or why\n"+
			"none does, and for update the field rules that still apply. For create, --id names the parent record\n"+
			"(the client of a new contract, the contract of a new event).", e.stderr)
	var uf userFlags
	uf.register(fs, "user", "the username to explain (required)")
	action := fs.String("action", "", "read, create, update, delete, assign or sign (required)")
	resource := fs.String("resource", "", "user, client, contract, event or audit (required)")
	id := fs.Int64("id", 0, "the record (for create: the parent record); 0 or absent for the resource in general")
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if uf.username == "" || *action == "" || *resource == "" {
		return usageError{"--user, --action and --resource are required"}
	}
	if *id < 0 {
		return usageError{fmt.Sprintf("--id %d: a record id is a positive number", *id)}
	}
	app, u, err := uf.open(ctx, nil, false)
	if err != nil {
		return err
	}
	defer app.Close()
	ex, err := app.Service.Explain(ctx, u.ID, crm.Resource(*resource), crm.Action(*action), *id)
	if crm.ErrorCode(err) == crm.EINVALID {
		return usageError{crm.ErrorMessage(err)}
	}
	if err != nil {
		return describe(err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
	printExplanation(e.stdout, ex)
	return nil
}

// printExplanation writes ex for a person to read.
func printExplanation(w io.Writer, ex *crm.Explanation) {
	verdict := "DENIED"
	if ex.Allowed {
		verdict = "ALLOWED"
	}
	fmt.Fprintf(w, "%s: %s\n", verdict, ex.Reason)
	active := ""
	if !ex.Active {
		active = ", deactivated"
	}
	fmt.Fprintf(w, "user: %s (id %d, role %s%s)\n", ex.Username, ex.UserID, ex.Role, active)
	if len(ex.Scopes) == 0 {
		fmt.Fprintf(w, "scopes of %s for %s on %s: none (no policy line gives one)\n", ex.Role, ex.Action, ex.Resource)
	} else {
		fmt.Fprintf(w, "scopes of %s for %s on %s: %s\n", ex.Role, ex.Action, ex.Resource, joinScopes(ex.Scopes))
	}
	for _, g := range ex.Grants {
		fmt.Fprintf(w, "  %s:\n", g.Scope)
		for i, l := range g.Lines {
			how := "gives it"
			if i < len(g.Lines)-1 {
				how = "inherits through"
			}
			fmt.Fprintf(w, "    %s:%d  %s  (%s)\n", l.File, l.Line, l.Text, how)
		}
	}
	if ex.RecordID != 0 {
		fmt.Fprintf(w, "%s %d:\n", ex.Target, ex.RecordID)
		for _, c := range ex.Checks {
			mark := "no "
			if c.Reaches {
				mark = "yes"
			}
			fmt.Fprintf(w, "  %-6s %s  %s\n", c.Action, mark, c.Reason)
		}
	}
	if len(ex.Fields) > 0 {
		fmt.Fprintln(w, "field rules of an update:")
		for _, f := range ex.Fields {
			may := "may not set"
			if f.Allowed {
				may = "may set"
			}
			roles := make([]string, len(f.Roles))
			for i, r := range f.Roles {
				roles[i] = string(r)
			}
			who := strings.Join(roles, ", ")
			if who == "" {
				who = "no role"
			}
			fmt.Fprintf(w, "  %-18s %s %s: %s (roles: %s)\n", f.Field, ex.Username, may, f.Rule, who)
		}
	}
}

func joinScopes(sc []crm.Scope) string {
	s := make([]string, len(sc))
	for i, x := range sc {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// cmdPolicyDiff prints the effective permissions two policy files differ by, and with a
// database what each change opens or closes for each active user. It exits 1 when they differ.
func cmdPolicyDiff(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("policy diff OLD NEW [--database-url URL]",
		"Print the effective role x resource x action x scope rows that NEW adds to OLD (+) and removes (-),\n"+
			"inheritance resolved (comments, order and grouping make no difference). With --database-url, also\n"+
			"the number of records each change opens or closes for each active user. Exits 0 when the policies\n"+
			"give the same permissions, 1 when they differ, 2 on a usage error.", e.stderr)
	dbURL := fs.String("database-url", "", "also count the records each change opens or closes in this database")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError{"give two policy files: OLD and NEW (use - for the built-in policy)"}
	}
	load := func(name string) (*policy.Policy, error) {
		if name == "-" {
			return policy.Default()
		}
		return policy.Load(name)
	}
	before, err := load(fs.Arg(0))
	if err != nil {
		return err
	}
	after, err := load(fs.Arg(1))
	if err != nil {
		return err
	}
	added, removed := policy.Diff(before, after)
	for _, p := range added {
		fmt.Fprintf(e.stdout, "+ %s\n", p)
	}
	for _, p := range removed {
		fmt.Fprintf(e.stdout, "- %s\n", p)
	}
	if len(added)+len(removed) == 0 {
		fmt.Fprintf(e.stdout, "same permissions (fingerprint %s)\n", after.Fingerprint())
		return nil
	}
	fmt.Fprintf(e.stdout, "%d permission(s) added, %d removed (fingerprint %s -> %s)\n",
		len(added), len(removed), before.Fingerprint(), after.Fingerprint())
	if *dbURL != "" {
		app, err := openCRM(ctx, *dbURL, false, epiccrm.Config{Authorizer: after, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return err
		}
		defer app.Close()
		impacts, err := app.Service.PolicyImpact(ctx, before, after)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "impact on the %s database (active users):\n", redact(*dbURL))
		for _, im := range impacts {
			fmt.Fprintf(e.stdout, "  %s\n", im)
		}
		if len(impacts) == 0 {
			fmt.Fprintln(e.stdout, "  none: no active user holds a role whose permissions change")
		}
	}
	return exitCode(1)
}

// cmdPolicyReview prints the access review as CSV or JSON.
func cmdPolicyReview(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("policy review [--format csv|json] [--policy FILE]",
		"Access review: for each active user, each resource and action their role may do, the scopes and the\n"+
			"number of records they reach today; deactivated users who still hold refresh tokens or sessions\n"+
			"are flagged. CSV cells that a spreadsheet would run as a formula are prefixed with a quote.", e.stderr)
	var db dbFlags
	db.register(fs)
	format := fs.String("format", "csv", "csv or json")
	file := fs.String("policy", "", "the policy to review under (default: the built-in policy)")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *format != "csv" && *format != "json" {
		return usageError{fmt.Sprintf("--format %q: give csv or json", *format)}
	}
	app, _, err := openForPolicy(ctx, db.url, *file, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	rev, err := app.Service.AccessReview(ctx)
	if err != nil {
		return describe(err)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rev)
	}
	return writeReviewCSV(e.stdout, rev)
}

// reviewCSVHeader is the header row of the access review in CSV.
var reviewCSVHeader = []string{"username", "user_id", "role", "active", "resource", "action", "scopes", "records_of", "records", "flag"}

// writeReviewCSV writes the review as CSV, formula-safe.
func writeReviewCSV(w io.Writer, rev *crm.AccessReview) error {
	cw := csv.NewWriter(w)
	write := func(cells ...string) {
		for i := range cells {
			cells[i] = csvSafe(cells[i])
		}
		_ = cw.Write(cells)
	}
	write(reviewCSVHeader...)
	for _, r := range rev.Rows {
		records := ""
		if r.Records != nil {
			records = strconv.Itoa(*r.Records)
		}
		write(r.Username, strconv.FormatInt(r.UserID, 10), string(r.Role), "true", string(r.Resource), string(r.Action),
			joinScopes(r.Scopes), string(r.Target), records, "")
	}
	for _, f := range rev.Flags {
		write(f.Username, strconv.FormatInt(f.UserID, 10), string(f.Role), "false", "", "", "", "", "",
			fmt.Sprintf("deactivated but holds %d refresh token(s) and %d session(s)", f.RefreshTokens, f.Sessions))
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses a cell a spreadsheet would run as a formula (OWASP, CSV injection): one that
// starts with =, +, -, @, a tab or a carriage return gets a leading single quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
