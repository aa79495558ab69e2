package epiccrm_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeShowsTheExample checks that the README's embedding example is the compiled Example,
// line for line, so that the README cannot drift from code that builds and runs.
func TestReadmeShowsTheExample(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(src), "\t// README begin\n")
	require.True(t, ok, "example_test.go has no README begin marker")
	region, _, ok := strings.Cut(rest, "\t// README end\n")
	require.True(t, ok, "example_test.go has no README end marker")
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), "func main() {\n"+region, "README.md's embedding example differs from Example in example_test.go")
}
