package main

import (
	"context"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/epicevents/epiccrm", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "fe070f3abc"}, {Key: "vcs.time", Value: "2026-12-01T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"}}}
	assert.Equal(t, "epiccrm v1.4.0, commit fe070f3abc (2026-12-01T12:00:00Z), modified, go1.26.8", version(bi, true))
	assert.Equal(t, "epiccrm (devel), commit unknown (built outside a git checkout or with -buildvcs=false), go1.26.8",
		version(&debug.BuildInfo{GoVersion: "go1.26.8"}, true))
	assert.Contains(t, version(nil, false), "no build information")

	for _, arg := range []string{"--version", "version", "-version"} {
		r := runCmd(t, context.Background(), "", nil, arg)
		assert.Equal(t, 0, r.code, arg)
		assert.Regexp(t, `^epiccrm \S+.*, go1\.`, r.stdout, arg)
	}
}
