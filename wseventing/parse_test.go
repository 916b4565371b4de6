package wseventing

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

func TestParsePushWithAck(t *testing.T) {
	d, err := Parse(strings.NewReader(readFixture(t, "alert_pushwithack.xml")), 0)
	require.NoError(t, err)
	assert.True(t, d.AckRequested)
	assert.Equal(t, "uuid:00000000-0000-4000-8000-000000000001", d.MessageID)
	assert.Equal(t, "pc-17", d.ReferenceParameters[RefTarget])
	assert.Equal(t, "dash", d.ReferenceParameters[RefProtocol])
	require.Len(t, d.Indications, 1)
	in := d.Indications[0]
	assert.Equal(t, "CIM_AlertIndication", in.Class)
	assert.Equal(t, []string{"CPU Fan", "300"}, in.All("MessageArguments"))

	ev := in.Event(oobkit.DASH, "pc-17")
	assert.Equal(t, oobkit.SeverityCritical, ev.Severity)
	assert.Equal(t, "PLAT0001", ev.Code)
	assert.Equal(t, "Fan speed below threshold", ev.Description)
	assert.Equal(t, "42", ev.ID)
	assert.Equal(t, "environmental", ev.EventType)
	assert.Equal(t, "CPU Fan", ev.Entity)
	assert.Equal(t, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), ev.Time)
	assert.Equal(t, "CPU Fan, 300", ev.Data["MessageArguments"])
}

func TestParseBatch(t *testing.T) {
	d, err := Parse(strings.NewReader(readFixture(t, "events_batch.xml")), 0)
	require.NoError(t, err)
	assert.False(t, d.AckRequested)
	require.Len(t, d.Indications, 2)
	ev0 := d.Indications[0].Event(oobkit.AMT, "h")
	assert.Equal(t, oobkit.SeverityInfo, ev0.Severity)
	assert.Equal(t, time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC), ev0.Time, "+060 is one hour east of UTC")
	assert.Equal(t, ActionEvent, d.Indications[0].Action)
	ev1 := d.Indications[1].Event(oobkit.AMT, "h")
	assert.Equal(t, oobkit.SeverityWarning, ev1.Severity)
	assert.Equal(t, "iAMT0022: x", ev1.Description)
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, body string }{
		{"empty", ""},
		{"not xml", "hello"},
		{"not soap", "<a/>"},
		{"empty body", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`},
		{"fault", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault/></s:Body></s:Envelope>`},
		{"empty batch", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Events/></s:Body></s:Envelope>`},
		{"oversize", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x>` + strings.Repeat("a", 2000) + `</x></s:Body></s:Envelope>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.body), 1024)
			require.Error(t, err)
			assert.ErrorIs(t, err, oobkit.ErrProtocol)
		})
	}
}

func TestSeverityAndTime(t *testing.T) {
	sev := map[string]oobkit.Severity{"0": oobkit.SeverityUnknown, "1": oobkit.SeverityUnknown, "2": oobkit.SeverityInfo,
		"3": oobkit.SeverityWarning, "4": oobkit.SeverityWarning, "5": oobkit.SeverityCritical, "6": oobkit.SeverityCritical,
		"7": oobkit.SeverityNonRecoverable, "x": oobkit.SeverityUnknown}
	for in, want := range sev {
		assert.Equal(t, want, Severity(in), in)
	}
	times := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-01-02T03:04:05Z", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"20240102030405.000000+000", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"20240102030405.000000-120", time.Date(2024, 1, 2, 5, 4, 5, 0, time.UTC), true},
		{"2024", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range times {
		got, ok := ParseTime(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.True(t, tt.want.Equal(got), "%s: %v", tt.in, got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(readFixture(f, "alert_pushwithack.xml"))
	f.Add(readFixture(f, "events_batch.xml"))
	f.Add(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x/></s:Body></s:Envelope>`)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(strings.NewReader(s), 64<<10)
		if err != nil {
			return
		}
		if len(d.Indications) == 0 {
			t.Fatal("parsed a delivery without indications")
		}
		for _, in := range d.Indications {
			ev := in.Event(oobkit.DASH, "t")
			if ev.Data["class"] != in.Class {
				t.Fatal("event lost the class")
			}
		}
	})
}
