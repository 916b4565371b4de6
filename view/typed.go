package view

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// Typed adapts a typed read — a protocol client's method returning a list
// of structs, such as a reader of printers or fans — into a [Reader]: the
// client is asserted to C (a client of another type is
// [oobkit.ErrUnsupported]) and each item becomes a [Record] by [RecordOf].
//
//	view.Default.Register("Input and Output Devices/Printer", oobkit.WMI,
//		view.Typed(func(ctx context.Context, c *wmi.Client) ([]wmi.Printer, error) { return c.Printers(ctx) }))
func Typed[C oobkit.Client, T any](fn func(ctx context.Context, c C) ([]T, error)) Reader {
	return func(ctx context.Context, c oobkit.Client) (*Table, error) {
		cc, ok := c.(C)
		if !ok {
			var zero C
			return nil, notReader(c, fmt.Sprintf("this node (it needs a %T)", zero))
		}
		items, err := fn(ctx, cc)
		if err != nil {
			return nil, err
		}
		t := &Table{Records: make([]Record, 0, len(items))}
		for _, it := range items {
			rec := RecordOf(it)
			rec.Source = c.Protocol()
			t.Records = append(t.Records, rec)
		}
		return t, nil
	}
}

// RecordOf turns a struct (or a pointer to one) into a record: one
// property per exported field that is not zero, named by its json tag (or
// its name), in field order. Slices are joined with ", ", times written in
// RFC 3339, nested structs flattened as "Outer.Inner". Anything else is
// one property "Value".
func RecordOf(v any) Record {
	var rec Record
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return rec
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		if s := valueText(rv); s != "" {
			rec.Properties = append(rec.Properties, Property{Name: "Value", Value: s})
		}
		return rec
	}
	addFields(&rec, rv, "", 0)
	return rec
}

func addFields(rec *Record, rv reflect.Value, prefix string, depth int) {
	rt := rv.Type()
	for i := range rt.NumField() {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
			continue
		} else if tag != "" {
			name = tag
		}
		fv := rv.Field(i)
		if fv.IsZero() {
			continue
		}
		for fv.Kind() == reflect.Pointer && !fv.IsNil() {
			fv = fv.Elem()
		}
		if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(time.Time{}) && depth < 3 {
			if f.Anonymous {
				addFields(rec, fv, prefix, depth+1)
			} else {
				addFields(rec, fv, prefix+name+".", depth+1)
			}
			continue
		}
		if s := valueText(fv); s != "" {
			rec.Properties = append(rec.Properties, Property{Name: prefix + name, Value: s})
		}
	}
}

func valueText(v reflect.Value) string {
	if !v.IsValid() {
		return ""
	}
	switch x := v.Interface().(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case fmt.Stringer:
		return x.String()
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return fmt.Sprintf("%x", v.Interface())
		}
		parts := make([]string, 0, v.Len())
		for i := range v.Len() {
			parts = append(parts, valueText(v.Index(i)))
		}
		return strings.Join(parts, ", ")
	case reflect.Map:
		return fmt.Sprint(v.Interface())
	}
	return fmt.Sprint(v.Interface())
}
