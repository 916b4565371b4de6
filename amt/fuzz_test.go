package amt

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/internal/wsman"
)

// FuzzDecodeRecord: any bytes decode to a record or an error, never a
// panic; a decoded record re-encodes to the same bytes and describes itself.
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range []string{"Y8iYZf8GbwVoEP8mYaoKAAAAAAAA", "IgYBZf8PbwJoAf8iAEAHAAAAAAAA"} {
		b, _ := base64.StdEncoding.DecodeString(s)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add(make([]byte, RecordSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRecord(b)
		if err != nil {
			if len(b) == RecordSize {
				t.Fatalf("a %d-byte record must decode: %v", RecordSize, err)
			}
			return
		}
		if got := r.Encode(); string(got) != string(b) {
			t.Fatalf("round trip: %x != %x", got, b)
		}
		ev := r.Event()
		if ev.Description == "" || ev.Source != oobkit.AMT {
			t.Fatalf("event without description: %+v", ev)
		}
	})
}

// FuzzResponses feeds arbitrary response bodies through the envelope parser
// and every decoder of this package.
func FuzzResponses(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ins, err := responseInstances(b)
		if err != nil {
			return
		}
		decodeAll(ins)
	})
}

// decodeAll runs every decoder on every instance; none may panic.
func decodeAll(ins []*wsman.Instance) {
	inv := &oobkit.Inventory{}
	for _, in := range ins {
		if in == nil {
			continue
		}
		_, _ = decodePowerStatus(in)
		decodeProvisioning(in)
		decodeVersions([]*wsman.Instance{in}, map[string]string{})
		decodeRedirection(in)
		decodeKVM(in)
		decodeConsent(in)
		DecodeBootSettings(in)
		_, _, _, _ = decodeGetRecords(in)
		for _, cl := range inventoryClasses {
			cl.decode(inv, in)
		}
		_, _ = in.ReturnValue()
		_, _, _ = decodePortPolicy(in)
		decodeFilterStatistic(in)
		a := toAMTInstance(in)
		_, _ = filter.FromAMT(&filter.AMTPolicy{Policy: a.Properties, Filters: []filter.AMTInstance{a}})
	}
}
