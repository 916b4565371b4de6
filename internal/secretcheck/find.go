// Package secretcheck finds secrets where they must not be. [Find] walks
// everything reachable from a value by reflection — unexported fields,
// pointers, interfaces, maps, slices, arrays — as a reflection printer does
// (testify's diff printer, go-spew, kr/pretty follow pointers and read
// unexported fields), and reports every place a given text appears in a
// string or a byte sequence.
//
// The package exists for tests: the clients keep secrets as [oobkit.Secret]
// and reveal them only while computing the bytes that go on the wire, so a
// client value must never lead to a plain copy.
//
// [oobkit.Secret]: https://pkg.go.dev/github.com/oobkit/oobkit#Secret
package secretcheck

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
)

// Limits of one walk. A client reaches sockets, TLS state and HTTP
// transports; these bounds are far above what those need, and a walk that
// hits one says so (Result.Complete is false) rather than passing.
const (
	maxDepth = 200
	maxNodes = 5_000_000
)

// Result is the outcome of [Find].
type Result struct {
	// Paths are where the text was found, as Go-like selector paths from
	// the root v ("(*(*v).g).Community"), at most 20.
	Paths []string
	// Nodes is how many values the walk visited.
	Nodes int
	// Complete is false when the walk stopped at its depth or size bound.
	Complete bool
}

// Find walks v and reports where text appears. Values of the skip types
// (struct types, reached directly or through pointers) are not entered: a
// test names there what other goroutines own, such as net/http's
// connection pool, which a walk would otherwise read while they write.
func Find(v any, text string, skip ...reflect.Type) Result {
	w := &walker{text: text, needle: []byte(text), seen: make(map[visit]bool), complete: true, skip: make(map[reflect.Type]bool)}
	for _, t := range skip {
		w.skip[t] = true
	}
	w.walk(reflect.ValueOf(v), "v", 0)
	return Result{Paths: w.found, Nodes: w.nodes, Complete: w.complete}
}

type visit struct {
	ptr uintptr
	typ reflect.Type
}

type walker struct {
	text     string
	needle   []byte
	seen     map[visit]bool
	nodes    int
	found    []string
	complete bool
	skip     map[reflect.Type]bool
}

func (w *walker) hit(path string) {
	if len(w.found) < 20 {
		w.found = append(w.found, path)
	}
}

func (w *walker) walk(v reflect.Value, path string, depth int) {
	if !v.IsValid() {
		return
	}
	if w.skip[v.Type()] {
		return
	}
	if depth > maxDepth || w.nodes >= maxNodes {
		w.complete = false
		return
	}
	w.nodes++
	switch v.Kind() {
	case reflect.String:
		if strings.Contains(v.String(), w.text) {
			w.hit(path)
		}
	case reflect.Pointer:
		if v.IsNil() || !w.first(v.Pointer(), v.Type()) {
			return
		}
		w.walk(v.Elem(), "(*"+path+")", depth+1)
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		w.walk(e, path+".("+typeName(e.Type())+")", depth+1)
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			w.walk(v.Field(i), path+"."+t.Field(i).Name, depth+1)
		}
	case reflect.Slice:
		if v.IsNil() || !w.first(v.Pointer(), v.Type()) {
			return
		}
		w.sequence(v, path, depth)
	case reflect.Array:
		w.sequence(v, path, depth)
	case reflect.Map:
		if v.IsNil() || !w.first(v.Pointer(), v.Type()) {
			return
		}
		it := v.MapRange()
		for it.Next() {
			k := fmt.Sprint(it.Key()) // reads the key's value; fine for a path
			w.walk(it.Key(), path+"[key "+k+"]", depth+1)
			w.walk(it.Value(), path+"["+k+"]", depth+1)
		}
	default:
		// Numbers, bools, funcs, chans and unsafe pointers hold no text a
		// reflection printer could show (a func's captured variables and a
		// chan's buffer are out of its reach too).
	}
}

// first reports whether the pointer of this type is seen for the first time.
func (w *walker) first(p uintptr, t reflect.Type) bool {
	k := visit{p, t}
	if w.seen[k] {
		return false
	}
	w.seen[k] = true
	return true
}

// sequence walks a slice or an array; bytes are searched as one text.
func (w *walker) sequence(v reflect.Value, path string, depth int) {
	if v.Type().Elem().Kind() == reflect.Uint8 {
		b := make([]byte, v.Len())
		for i := range b {
			b[i] = byte(v.Index(i).Uint())
		}
		if bytes.Contains(b, w.needle) {
			w.hit(path)
		}
		return
	}
	for i := range v.Len() {
		w.walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)
	}
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	return t.String()
}
