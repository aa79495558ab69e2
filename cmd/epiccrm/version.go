package main

import (
	"fmt"
	"runtime/debug"
)

// version describes the build from its build information: the module version ("(devel)" for a
// build from a checkout), then the VCS commit and time, and "modified" when the tree had
// uncommitted changes.
func version(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "epiccrm (no build information: built without module support)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	out := "epiccrm " + v
	if rev := settings["vcs.revision"]; rev != "" {
		out += ", commit " + rev
		if t := settings["vcs.time"]; t != "" {
			out += " (" + t + ")"
		}
		if settings["vcs.modified"] == "true" {
			out += ", modified"
		}
	} else {
		out += ", commit unknown (built outside a git checkout or with -buildvcs=false)"
	}
	return out + ", " + bi.GoVersion
}

// printVersion writes the version line of the running binary.
func printVersion(e *env) {
	fmt.Fprintln(e.stdout, version(debug.ReadBuildInfo()))
}
