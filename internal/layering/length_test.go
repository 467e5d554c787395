package layering

import (
	"go/ast"
	"go/token"
	"testing"
)

// maxFuncLines is the longest a function (or function literal) outside
// tests may be: past it, a function does several things that want names.
const maxFuncLines = 80

// TestNoLongFunctions fails for every production function longer than
// maxFuncLines, from its signature to its closing brace.
func TestNoLongFunctions(t *testing.T) {
	eachProductionFile(t, func(_ string, fset *token.FileSet, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			switch fn := n.(type) {
			case *ast.FuncDecl:
				body = fn.Body
			case *ast.FuncLit:
				body = fn.Body
			}
			if body == nil {
				return true
			}
			start, end := fset.Position(n.Pos()), fset.Position(body.End())
			if lines := end.Line - start.Line + 1; lines > maxFuncLines {
				t.Errorf("%s: a function of %d lines (at most %d): split it into named steps", start, lines, maxFuncLines)
			}
			return true
		})
	})
}
