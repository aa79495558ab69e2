package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// toolsModule is the module that pins the code generators and the libraries of the clients
// they write (tools/apigen), relative to this package.
const toolsModule = "../../tools/apigen"

// TestGeneratedClientsBuild runs the two main Go OpenAPI generators, oapi-codegen and ogen, on
// the document the API serves, and compiles the clients they write: a document that one of
// them cannot read, or that makes it write code that does not build (a schema named like a
// type the generator writes itself), fails here.
func TestGeneratedClientsBuild(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go command is not on PATH, and CI must run the client generators: %v", err)
		}
		t.Skip("SKIPPED: the go command is not on PATH, so the OpenAPI client generators cannot run; " +
			"install Go to check that oapi-codegen and ogen read /api/openapi.json")
	}
	tools, err := filepath.Abs(toolsModule)
	require.NoError(t, err)
	e := newEnv(t, storeKinds[0], func(o *envOptions) { o.noFixture = true })

	dir := t.TempDir()
	doc := filepath.Join(dir, "openapi.json")
	require.NoError(t, os.WriteFile(doc, e.api.OpenAPI(), 0o600))
	// The clients build in a module of the generators' own requirements, so that they find
	// the libraries they import at the versions pinned with the generators.
	mod := filepath.Join(dir, "clients")
	require.NoError(t, os.MkdirAll(mod, 0o755))
	gomod, err := os.ReadFile(filepath.Join(tools, "go.mod"))
	require.NoError(t, err)
	gomod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(gomod, []byte("module example.com/epiccrmclients"))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), gomod, 0o600))
	gosum, err := os.ReadFile(filepath.Join(tools, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.sum"), gosum, 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(mod, "oapiclient"), 0o755))

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	run := func(dir string, args ...string) error {
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return &commandError{args: args, err: err, out: string(out)}
		}
		return nil
	}
	generators := map[string][]string{
		"oapi-codegen": {"tool", "oapi-codegen", "-generate", "types,client", "-package", "oapiclient",
			"-o", filepath.Join(mod, "oapiclient", "client.go"), doc},
		"ogen": {"tool", "ogen", "-package", "ogenclient", "-target", filepath.Join(mod, "ogenclient"), "-clean", doc},
	}
	var wg sync.WaitGroup
	errs := make(map[string]error, len(generators))
	var mu sync.Mutex
	for name, args := range generators {
		wg.Go(func() {
			err := run(tools, args...)
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	for name, err := range errs {
		require.NoError(t, err, "%s cannot generate a client from the OpenAPI document", name)
	}
	require.NoError(t, run(mod, "vet", "./..."), "the generated clients do not compile")
}

// TestWriteOpenAPIDocument writes the document the API serves to the file that
// EPICCRM_OPENAPI_OUT names, for the linter that CI runs on it (.ci/run, redocly.yaml). It
// checks the document reads back as OpenAPI 3.1 either way.
func TestWriteOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storeKinds[0], func(o *envOptions) { o.noFixture = true })
	doc := e.api.OpenAPI()
	var head struct {
		OpenAPI string `json:"openapi"`
	}
	require.NoError(t, json.Unmarshal(doc, &head))
	require.Equal(t, "3.1.0", head.OpenAPI)
	out := os.Getenv("EPICCRM_OPENAPI_OUT")
	if out == "" {
		t.Log("EPICCRM_OPENAPI_OUT is not set: the document is not written for the linter")
		return
	}
	require.NoError(t, os.WriteFile(out, doc, 0o600), "write the OpenAPI document to EPICCRM_OPENAPI_OUT")
}

// commandError is a command that failed, with what it printed.
type commandError struct {
	args []string
	err  error
	out  string
}

func (e *commandError) Error() string {
	return "go " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + e.out
}
