package amt

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/filter"
	"github.com/oobkit/oobkit/internal/ipmispec"
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
	f.Add(Record{SensorType: 0xc0, EventType: 0x6f, Severity: 2, Entity: 0x26, Data: [8]byte{0xaa, 0x30, 0x02}}.Encode())
	f.Add(Record{SensorType: 0x01, EventType: 0x01, Offset: 0x89, Severity: 16, Data: [8]byte{0x59, 0x5a, 0x50}}.Encode())
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
		// What the IPMI tables know reads as ipmi's SEL and snmp's PET
		// decoders read it.
		e := r.IPMIEvent()
		if ev.Code != e.Code() || ev.SensorType != e.SensorTypeName() || ev.Offset != int(e.Offset) {
			t.Fatalf("event fields differ from the IPMI event's: %+v vs %+v", ev, e)
		}
		if sev := e.Severity(); sev != oobkit.SeverityUnknown && ev.Severity != sev {
			t.Fatalf("severity %v, the IPMI tables say %v", ev.Severity, sev)
		}
		if ipmispec.OffsetName(e.SensorType, e.EventType, e.Offset) != "" && !strings.HasPrefix(ev.Description, e.Description()) {
			t.Fatalf("description %q does not start with the IPMI one %q", ev.Description, e.Description())
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
		decodeBootSettings(in)
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
