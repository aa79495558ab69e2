package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

// newFlagSet returns a flag set for one command whose errors and help go to w.
func newFlagSet(name, summary string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: epiccrm %s\n\n%s\n\nFlags (each also as the EPICCRM_* variable shown):\n", name, summary)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			env := envName(f.Name)
			if commandLineOnly[f.Name] {
				env = "command line only"
			}
			fmt.Fprintf(w, "  --%s  [%s]\n      %s%s\n", f.Name, env, f.Usage, def)
		})
	}
	return fs
}

// commandLineOnly lists the flags that are never read from the environment: a confirmation
// of a destructive command must be given each time, not left lying in a shell profile.
var commandLineOnly = map[string]bool{"yes": true}

// envName is the environment variable of a flag: --database-url -> EPICCRM_DATABASE_URL.
func envName(flagName string) string {
	return "EPICCRM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, flags and positional arguments in any order ("migrate up --database-url
// X" as well as "migrate --database-url X up"; "--" ends the flags), then fills every flag not
// given on the command line from its EPICCRM_* environment variable. A bad value in the
// environment is reported with the variable's name. The positional arguments are left in
// fs.Args().
func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return err
			}
			return usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return usageError{err.Error()}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil || commandLineOnly[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = usageError{fmt.Sprintf("%s=%q: %v", envName(f.Name), v, e)}
			}
		}
	})
	return err
}

// dbFlags are the database flags every command that opens the database shares.
type dbFlags struct {
	url string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.url, "database-url", "sqlite:./epiccrm.db",
		"the database: postgres://USER@HOST:PORT/DB?..., sqlite:PATH, or a bare PATH (SQLite)")
}

// userFlags are the flags of a command that works on the database as, or about, one user under
// a policy file: --database-url, --policy and the flag that names the user.
type userFlags struct {
	db       dbFlags
	username string
	policy   string
}

// register adds the flags to fs, the user's as --name with usage.
func (u *userFlags) register(fs *flag.FlagSet, name, usage string) {
	u.db.register(fs)
	fs.StringVar(&u.username, name, "", usage)
	fs.StringVar(&u.policy, "policy", "", "the policy file (default: the built-in policy)")
}

// open opens the CRM under the policy (see openForPolicy, deps included) and finds the user the
// flag names, who must be active with active. The caller closes the app.
func (u *userFlags) open(ctx context.Context, deps func(crm.Deps) crm.Deps, active bool) (*epiccrm.App, *crm.User, error) {
	app, _, err := openForPolicy(ctx, u.db.url, u.policy, deps)
	if err != nil {
		return nil, nil, err
	}
	user, err := u.user(ctx, app, active)
	if err != nil {
		_ = app.Close()
		return nil, nil, err
	}
	return app, user, nil
}

// user returns the user the flag names, looked up as a login is (in any case or width), or an
// error saying there is none (nor an active one, with active).
func (u *userFlags) user(ctx context.Context, app *epiccrm.App, active bool) (*crm.User, error) {
	name := u.username
	if canon, err := crm.CanonicalUsername(name); err == nil {
		name = canon
	}
	found, err := app.Store().Deps().Users.FindUserByUsername(ctx, name)
	switch {
	case crm.ErrorCode(err) == crm.ENOTFOUND && active, err == nil && active && !found.IsActive:
		return nil, fmt.Errorf("no active user named %q in the database", u.username)
	case crm.ErrorCode(err) == crm.ENOTFOUND:
		return nil, fmt.Errorf("no user named %q in the database", u.username)
	case err != nil:
		return nil, describe(err)
	}
	return found, nil
}
