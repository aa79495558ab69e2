// Command epiccrm is the EpicCRM binary: it serves the REST API and the admin UI, applies
// migrations, creates accounts, loads demo data and checks policy files.
//
//	epiccrm serve [--addr HOST:PORT] [--base-path /PREFIX] [--database-url URL] [--policy FILE]
//	epiccrm migrate up|down|version [--yes]
//	epiccrm createsuperuser --username U --email E [--password-stdin]
//	epiccrm demo
//	epiccrm copy --from URL --to URL [--replace]
//	epiccrm backup [--force] FILE
//	epiccrm policy check [--strict] [FILE]
//	epiccrm policy matrix [FILE]
//	epiccrm policy explain --user U --action A --resource R [--id ID] [--policy FILE] [--json]
//	epiccrm policy diff OLD NEW [--database-url URL]
//	epiccrm policy review [--format csv|json] [--policy FILE]
//	epiccrm keys rotate --key-encryption-key KEK [--database-url URL]
//	epiccrm --version
//
// Every flag but --yes can also be given as an EPICCRM_* environment variable (--database-url as
// EPICCRM_DATABASE_URL); a flag on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// usage is the top-level help.
const usage = `epiccrm: the EpicCRM server and its tools.

Usage:
  epiccrm serve            serve the REST API (/api/v1) and the admin UI (/admin)
  epiccrm migrate up|down|version
                           apply, revert or show the database migrations (down deletes
                           every record: it asks first, or takes --yes)
  epiccrm createsuperuser  create an active management account
  epiccrm demo             load demo data and print the demo logins
  epiccrm copy --from URL --to URL [--replace]
                           copy every table to another database (e.g. SQLite to
                           PostgreSQL) in one transaction, verified by checksums
  epiccrm backup [--force] FILE
                           write a consistent snapshot of the SQLite database to FILE
  epiccrm policy check [--strict] [FILE]
                           validate a policy file (default: the built-in policy) and warn
                           of lockouts (--strict: warnings are errors)
  epiccrm policy matrix [FILE]
                           print the effective role x resource x action x scope table
  epiccrm policy explain --user U --action A --resource R [--id ID]
                           say whether a user may do an action (on a record), and why
  epiccrm policy diff OLD NEW [--database-url URL]
                           the permissions two policies differ by (exit 1 when they differ),
                           and with a database the records each change opens or closes
  epiccrm policy review [--format csv|json]
                           access review: what each active user may do, on how many records
  epiccrm keys rotate      make a new token signing key current for every process (keys
                           kept in the database with --key-encryption-key)
  epiccrm import clients|users FILE --as USERNAME [--dry-run]
                           create or update clients or users from a CSV file, all rows or none
  epiccrm webhooks list|add URL --events a,b|rm ID|deliveries ID
                           manage the webhooks that receive the CRM's changes
  epiccrm --version        print the version and the commit it was built from

Run "epiccrm COMMAND --help" for a command's flags. Every flag but --yes is also read from an
EPICCRM_* environment variable (e.g. --database-url from EPICCRM_DATABASE_URL).
`

// env is the process environment the commands read their EPICCRM_* settings from.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// interactive reports whether stdin is a terminal, for password prompts.
	interactive bool
	// stderrTerminal reports whether stderr is a terminal, where progress is drawn as a bar.
	stderrTerminal bool
	// readPassword reads a password from the terminal without echoing it.
	readPassword func() (string, error)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, interactive: isTerminal(os.Stdin), stderrTerminal: isTerminal(os.Stderr),
		readPassword: func() (string, error) {
			b, err := term.ReadPassword(int(os.Stdin.Fd()))
			return string(b), err
		}}
	os.Exit(run(ctx, os.Args[1:], e))
}

// run runs the command named by args and returns the process exit code: 0 on success, 2 for a
// usage error, 1 for any other failure.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return 0
	case "--version", "-version", "version":
		printVersion(e)
		return 0
	case "serve":
		err = cmdServe(ctx, args[1:], e)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], e)
	case "createsuperuser":
		err = cmdCreateSuperuser(ctx, args[1:], e)
	case "demo":
		err = cmdDemo(ctx, args[1:], e)
	case "policy":
		err = cmdPolicy(ctx, args[1:], e)
	case "copy":
		err = cmdCopy(ctx, args[1:], e)
	case "backup":
		err = cmdBackup(ctx, args[1:], e)
	case "keys":
		err = cmdKeys(ctx, args[1:], e)
	case "import":
		err = cmdImport(ctx, args[1:], e)
	case "webhooks":
		err = cmdWebhooks(ctx, args[1:], e)
	default:
		fmt.Fprintf(e.stderr, "epiccrm: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(exitCode)):
		return int(err.(exitCode))
	case errors.As(err, new(usageError)):
		fmt.Fprintf(e.stderr, "epiccrm %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(e.stderr, "epiccrm %s: %v\n", args[0], err)
		return 1
	}
}

// exitCode ends a command with that exit status and no message: what it has to say it has
// printed (policy diff exits 1 when the policies differ).
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// isTerminal reports whether f is a terminal rather than a pipe or file.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
