// Package apicheck finds exported declarations of the module's public
// packages that name a type from an internal package: a user of the public
// package could see such a type but never name or build it. The check runs
// as a test (apicheck_test.go) under scripts/test.sh.
package apicheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Finding is one exported declaration that names an internal package.
type Finding struct {
	// Pos is file:line of the declaration.
	Pos string
	// Decl names the declaration ("Client.Stats", "Host").
	Decl string
	// Ref is the internal reference it makes ("wsman.Stats").
	Ref string
}

func (f Finding) String() string { return fmt.Sprintf("%s: %s uses %s", f.Pos, f.Decl, f.Ref) }

// Scan walks the module rooted at root and returns every exported
// declaration of a non-internal, non-main package that names a type of an
// internal package. Test files, testdata and nested modules are skipped.
func Scan(root string) ([]Finding, error) {
	var out []Finding
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (name == "testdata" || name == "internal" || strings.HasPrefix(name, ".") || name == "node_modules") {
			return filepath.SkipDir
		}
		if path != root {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // a nested module is not part of this one
			}
		}
		fs, err := scanDir(root, path)
		out = append(out, fs...)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out, err
}

func scanDir(root, dir string) ([]Finding, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for name, pkg := range pkgs {
		if name == "main" {
			continue
		}
		for fname, f := range pkg.Files {
			internal := map[string]string{} // local name → import path
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if !strings.Contains(p, "/internal/") && !strings.HasPrefix(p, "internal/") {
					continue
				}
				local := p[strings.LastIndex(p, "/")+1:]
				if imp.Name != nil {
					local = imp.Name.Name
				}
				internal[local] = p
			}
			if len(internal) == 0 {
				continue
			}
			rel, _ := filepath.Rel(root, fname)
			report := func(n ast.Node, decl string, typ ast.Node) {
				ast.Inspect(typ, func(x ast.Node) bool {
					sel, ok := x.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					if id, ok := sel.X.(*ast.Ident); ok && internal[id.Name] != "" {
						out = append(out, Finding{Pos: fmt.Sprintf("%s:%d", rel, fset.Position(n.Pos()).Line), Decl: decl, Ref: id.Name + "." + sel.Sel.Name})
					}
					return true
				})
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() {
						continue
					}
					decl := d.Name.Name
					if d.Recv != nil && len(d.Recv.List) > 0 {
						recv := receiverName(d.Recv.List[0].Type)
						if !ast.IsExported(recv) {
							continue
						}
						decl = recv + "." + decl
					}
					report(d, decl, d.Type)
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							if !s.Name.IsExported() {
								continue
							}
							if st, ok := s.Type.(*ast.StructType); ok {
								for _, fld := range st.Fields.List {
									if exportedField(fld) {
										report(fld, s.Name.Name, fld.Type)
									}
								}
								continue
							}
							if it, ok := s.Type.(*ast.InterfaceType); ok {
								for _, m := range it.Methods.List {
									if exportedField(m) {
										report(m, s.Name.Name, m.Type)
									}
								}
								continue
							}
							report(s, s.Name.Name, s.Type)
						case *ast.ValueSpec:
							for _, n := range s.Names {
								if n.IsExported() && s.Type != nil {
									report(s, n.Name, s.Type)
								}
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}

// exportedField says whether a struct field or interface method is visible:
// a named exported one, or an embedded type whose name is exported.
func exportedField(f *ast.Field) bool {
	if len(f.Names) == 0 {
		return ast.IsExported(receiverName(f.Type))
	}
	for _, n := range f.Names {
		if n.IsExported() {
			return true
		}
	}
	return false
}

func receiverName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return receiverName(t.X)
	case *ast.IndexExpr:
		return receiverName(t.X)
	case *ast.IndexListExpr:
		return receiverName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}
