package layering

import (
	"go/ast"
	"go/token"
	"path"
	"strconv"
	"strings"
	"testing"
)

// flagPackages define command-line flags; only commands may import them.
var flagPackages = map[string]bool{"flag": true, "github.com/spf13/pflag": true, "github.com/spf13/cobra": true}

// isCommand reports whether a file belongs to a program, which owns its
// flags and environment, or to a test kit, which reads the test
// environment: every other package takes its options as arguments.
func isCommand(file string) bool {
	dir := path.Dir(file)
	return strings.HasPrefix(file, "cmd/") || strings.Contains(file, "/cmd/") || strings.HasPrefix(file, "bench/") ||
		strings.HasSuffix(dir, "test")
}

// TestLibrariesTakeNoOptions fails for a library package that reads an
// environment variable or defines flags: options are layered in one place,
// cmd/vigil/options, and handed down.
func TestLibrariesTakeNoOptions(t *testing.T) {
	eachProductionFile(t, func(file string, fset *token.FileSet, f *ast.File) {
		if isCommand(file) {
			return
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); flagPackages[p] {
				t.Errorf("%s imports %s: flags belong in cmd/vigil/options", fset.Position(imp.Pos()), p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "os" && (sel.Sel.Name == "Getenv" || sel.Sel.Name == "LookupEnv") {
				t.Errorf("%s: os.%s in a library: take the value (or a Getenv) from the command", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	})
}
