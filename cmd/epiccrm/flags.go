package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
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
