package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

// cmdMigrate applies (up), reverts (down) or shows (version) the database migrations. Reverting
// drops every table, so it needs --yes, or "yes" typed at a terminal.
func cmdMigrate(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("migrate up|down|version", "Apply every pending migration (up), revert them all (down), or print the schema version.\n"+
		"down drops every table and deletes every record: it asks for confirmation, or takes --yes.", e.stderr)
	var db dbFlags
	db.register(fs)
	yes := fs.Bool("yes", false, "confirm 'migrate down', which deletes every record, without asking")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give exactly one of up, down or version"}
	}
	verb := fs.Arg(0)
	if verb != "up" && verb != "down" && verb != "version" {
		return usageError{fmt.Sprintf("unknown migrate command %q: give up, down or version", verb)}
	}
	if verb == "down" && !*yes {
		if err := confirmDown(e, db.url); err != nil {
			return err
		}
	}
	st, err := openDatabase(ctx, db.url)
	if err != nil {
		return err
	}
	defer st.Close()
	switch verb {
	case "up":
		if err := st.MigrateUp(ctx); err != nil {
			return err
		}
	case "down":
		if err := st.MigrateDown(ctx); err != nil {
			return err
		}
	}
	v, dirty, err := st.MigrateVersion()
	if err != nil {
		return err
	}
	state := "clean"
	if dirty {
		state = "dirty: a migration failed half-way"
	}
	fmt.Fprintf(e.stdout, "schema version %d (%s)", v, state)
	if latest, err := st.LatestMigration(); err == nil && latest != v {
		fmt.Fprintf(e.stdout, "; this epiccrm expects version %d", latest)
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// confirmDown asks, at a terminal, that the user type "yes" before every table of the database
// is dropped. Elsewhere (a script, a pipe) it is a usage error: the caller must pass --yes.
func confirmDown(e *env, dbURL string) error {
	if !e.interactive {
		return usageError{"migrate down drops every table and deletes every record in the database: pass --yes to confirm"}
	}
	fmt.Fprintf(e.stderr, "migrate down drops every table and deletes every record in %s.\nType yes to continue: ", redact(dbURL))
	answer, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading the confirmation: %w", err)
	}
	if strings.TrimSpace(answer) != "yes" {
		return fmt.Errorf("migrate down cancelled: nothing was changed (type yes, or pass --yes, to confirm)")
	}
	return nil
}

// cmdCreateSuperuser creates an active management account.
func cmdCreateSuperuser(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("createsuperuser --username U --email E [--password-stdin]",
		"Create an active management account. The password is read from standard input with --password-stdin\n(one line, without its newline), or prompted for when standard input is a terminal.", e.stderr)
	var db dbFlags
	db.register(fs)
	username := fs.String("username", "", "the new account's username (required)")
	email := fs.String("email", "", "the new account's email address (required)")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if *username == "" || *email == "" {
		return usageError{"--username and --email are required"}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if !*stdin && !e.interactive {
		return usageError{"standard input is not a terminal: pass the password with --password-stdin"}
	}
	var pw string
	var err error
	if *stdin {
		pw, err = readLine(e.stdin)
	} else {
		pw, err = promptPassword(e)
	}
	if err != nil {
		return fmt.Errorf("reading the password: %w", err)
	}
	app, err := openCRM(ctx, db.url, true, epiccrm.Config{})
	if err != nil {
		return err
	}
	defer app.Close()
	u, err := app.Service.Bootstrap(ctx, crm.UserInput{Username: crm.Some(*username), Email: crm.Some(*email), Password: crm.Some(pw)})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "created management user %s (id %d)\n", u.Username, u.ID)
	return nil
}

// promptPassword asks for the password twice on the terminal, without echo.
func promptPassword(e *env) (string, error) {
	fmt.Fprint(e.stderr, "Password: ")
	first, err := e.readPassword()
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Password (again): ")
	second, err := e.readPassword()
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if first != second {
		return "", fmt.Errorf("the two passwords differ")
	}
	if first == "" {
		return "", fmt.Errorf("no password given")
	}
	return first, nil
}

// readLine reads one line without its line ending. An empty input is an error.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", fmt.Errorf("no password given")
	}
	return line, nil
}

// describe turns a crm error into a message that lists each bad field.
func describe(err error) error {
	fields := crm.ErrorFields(err)
	if len(fields) == 0 {
		return fmt.Errorf("%s", crm.ErrorMessage(err))
	}
	var b strings.Builder
	b.WriteString(crm.ErrorMessage(err))
	for _, f := range fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return fmt.Errorf("%s", b.String())
}

// cmdPolicy validates a policy file (check) or prints its effective table (matrix).
func cmdPolicy(ctx context.Context, args []string, e *env) error {
	if len(args) > 0 {
		switch args[0] {
		case "explain":
			return cmdPolicyExplain(ctx, args[1:], e)
		case "diff":
			return cmdPolicyDiff(ctx, args[1:], e)
		case "review":
			return cmdPolicyReview(ctx, args[1:], e)
		}
	}
	fs := newFlagSet("policy check [--strict]|matrix [FILE]",
		"check: validate a policy file (the built-in policy when FILE is omitted), listing each bad line,\n"+
			"and warn of likely lockouts (nobody may manage users, management lost a permission of the\n"+
			"built-in policy, nobody may read a resource); --strict makes the warnings errors.\n"+
			"matrix: print the effective role x resource x action x scope table.", e.stderr)
	strict := fs.Bool("strict", false, "check: fail (exit 1) when the policy has warnings, not only errors")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usageError{"give check or matrix, and optionally a policy FILE"}
	}
	verb, file := fs.Arg(0), fs.Arg(1)
	if verb != "check" && verb != "matrix" {
		return usageError{fmt.Sprintf("unknown policy command %q: give check, matrix, explain, diff or review", verb)}
	}
	if *strict && verb != "check" {
		return usageError{"--strict applies to policy check only"}
	}
	pol, err := loadPolicy(file)
	if err != nil {
		return err
	}
	if verb == "check" {
		warnings := pol.Warnings()
		for _, w := range warnings {
			fmt.Fprintf(e.stderr, "%s: warning: %s\n", pol.Name(), w)
		}
		if *strict && len(warnings) > 0 {
			return fmt.Errorf("%s: %d warning(s), which --strict treats as errors", pol.Name(), len(warnings))
		}
		fmt.Fprintf(e.stdout, "%s: ok (%d roles, %d permissions, %d warnings; fingerprint %s)\n",
			pol.Name(), len(pol.Roles()), len(pol.Matrix()), len(warnings), pol.Fingerprint())
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tRESOURCE\tACTION\tSCOPES")
	for _, r := range pol.Matrix() {
		scopes := make([]string, len(r.Scopes))
		for i, s := range r.Scopes {
			scopes[i] = string(s)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Role, r.Resource, r.Action, strings.Join(scopes, ", "))
	}
	return tw.Flush()
}
