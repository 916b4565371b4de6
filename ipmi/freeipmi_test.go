package ipmi_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/ipmispec"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/ipmi/ipmitest"
	"github.com/oobkit/oobkit/snmp"
)

// freeIPMI runs one FreeIPMI tool (freeipmi-tools: ipmi-sel, ipmi-fru,
// ipmi-sensors, ipmi-pet) against the simulator, in comma-separated output,
// and returns its rows keyed by column header.
func freeIPMI(t *testing.T, ctx context.Context, sim *ipmitest.Sim, tool string, args ...string) []map[string]string {
	t.Helper()
	bin := peer.Require(t, tool, "freeipmi-tools")
	cache := filepath.Join(sim.Dir, "freeipmi-sdrcache")
	require.NoError(t, os.MkdirAll(cache, 0o700))
	base := []string{"-h", "127.0.0.1:" + strconv.Itoa(sim.Port), "-u", sim.Username, "-p", sim.Password,
		"-D", "LAN_2_0", "-I", "3", "-W", "opensesspriv", "--sdr-cache-directory=" + cache, "--quiet-cache"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s: %s", tool, out)
	r := csv.NewReader(strings.NewReader(string(out)))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	require.NoError(t, err, "%s output %q", tool, out)
	require.NotEmpty(t, rows)
	var res []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		head := rows[0]
		// FreeIPMI does not quote its last column, which may hold commas
		// ("Power Supply input out-of-range, but present").
		if len(r) > len(head) {
			r = append(r[:len(head)-1:len(head)-1], strings.Join(r[len(head)-1:], ","))
		}
		for i, h := range head {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		res = append(res, m)
	}
	return res
}

// selAdd appends a system event record to ipmi_sim's SEL through its
// emulator console: generator 0x20 (the BMC), EvM revision 04h.
func selAdd(t *testing.T, ctx context.Context, sim *ipmitest.Sim, sensorType, sensorNumber, dirType byte, data [3]byte) {
	t.Helper()
	line := fmt.Sprintf("sel_add 0x20 0x02 0x00 0x00 0x00 0x00 0x20 0x00 0x04 0x%02x 0x%02x 0x%02x 0x%02x 0x%02x 0x%02x",
		sensorType, sensorNumber, dirType, data[0], data[1], data[2])
	out, err := sim.Command(ctx, line)
	require.NoError(t, err, out)
}

// freeIPMIState maps an SDK severity to FreeIPMI's event state words
// (freeipmi_interpret_sel.conf(5): Nominal, Warning, Critical), which have
// no grade above Critical.
func freeIPMIState(s oobkit.Severity) string {
	switch s {
	case oobkit.SeverityInfo:
		return "Nominal"
	case oobkit.SeverityWarning:
		return "Warning"
	case oobkit.SeverityCritical, oobkit.SeverityNonRecoverable:
		return "Critical"
	}
	return s.String()
}

// Every threshold (01h) and sensor-specific (6Fh) offset the IPMI tables
// name, asserted and deasserted, is logged in ipmi_sim's SEL and read by
// the SDK and by FreeIPMI's ipmi-sel --output-event-state: the severities
// agree. (Before, the SDK rated a deassertion info and an "Entity Absent"
// a warning, where ipmi-sel says Critical for both an Entity Absent and a
// deasserted one, and Warning for a deasserted "Upper Critical - going
// high".) Offsets FreeIPMI leaves uninterpreted (N/A: Watchdog 1) are
// skipped.
func TestSELSeverityMatchesIpmiSel(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)
	require.NoError(t, c.ClearSEL(ctx))
	type key struct {
		st, et, off byte
		deassert    bool
	}
	var keys []key
	for st := byte(0x01); st <= 0x2C; st++ {
		for _, et := range []byte{0x01, 0x6F} {
			if et == 0x01 && st > 0x04 { // thresholds: temperature, voltage, current, fan
				continue
			}
			for off := byte(0); off < 15; off++ {
				if ipmispec.OffsetName(st, et, off) != "" {
					keys = append(keys, key{st, et, off, false}, key{st, et, off, true})
				}
			}
		}
	}
	require.Greater(t, len(keys), 300)
	for _, k := range keys {
		dt := k.et
		if k.deassert {
			dt |= 0x80
		}
		selAdd(t, ctx, sim, k.st, 0x30, dt, [3]byte{k.off, 0xFF, 0xFF})
	}
	rows := freeIPMI(t, ctx, sim, "ipmi-sel", "--output-event-state", "--comma-separated-output")
	events, err := c.EventLog(ctx, 0)
	require.NoError(t, err)
	require.Len(t, rows, len(keys))
	require.Len(t, events, len(keys))
	compared := 0
	for i, k := range keys {
		ev := events[len(events)-1-i] // EventLog is newest first
		row := rows[i]
		require.Equal(t, row["ID"], ev.ID)
		assert.Equal(t, row["Type"], ev.SensorType, "record %s", ev.ID)
		if row["State"] == "N/A" {
			continue
		}
		compared++
		assert.Equal(t, row["State"], freeIPMIState(ev.Severity), "sensor type %#02x event type %#02x offset %d deassertion %v: %s",
			k.st, k.et, k.off, k.deassert, row["Event"])
	}
	assert.Greater(t, compared, 300)
}

// freeIPMIText runs a FreeIPMI tool whose output is "Key: value" lines
// (ipmi-fru) and returns the lines, trimmed.
func freeIPMIText(t *testing.T, ctx context.Context, sim *ipmitest.Sim, tool string, args ...string) []string {
	t.Helper()
	bin := peer.Require(t, tool, "freeipmi-tools")
	base := []string{"-h", "127.0.0.1:" + strconv.Itoa(sim.Port), "-u", sim.Username, "-p", sim.Password,
		"-D", "LAN_2_0", "-I", "3", "-W", "opensesspriv", "--sdr-cache-directory=" + t.TempDir(), "--quiet-cache"}
	out, err := exec.CommandContext(ctx, bin, append(base, args...)...).CombinedOutput()
	require.NoError(t, err, "%s: %s", tool, out)
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	return lines
}

// The FRU is mapped as ipmi-fru and ipmitool print it, field by field:
// part numbers are PartNumber (not Board Version or Product Model), and
// the board manufacturing date and the FRU file ID are kept.
func TestFRUMatchesIpmiFruAndIpmitool(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)
	inv, err := c.Inventory(ctx)
	require.NoError(t, err)
	kinds := map[string]oobkit.System{}
	for _, s := range inv.System {
		kinds[s.Kind] = s
	}
	ch, bd, pr := kinds["chassis"], kinds["board"], kinds["product"]

	// ipmi-fru: "FRU Board Part Number: BP-42"; the section decides which
	// "FRU File ID" line is whose.
	fru := map[string]string{}
	section := ""
	for _, l := range freeIPMIText(t, ctx, sim, "ipmi-fru") {
		k, v, ok := strings.Cut(strings.TrimPrefix(l, "FRU "), ": ")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(k, "Chassis"):
			section = "chassis"
		case strings.HasPrefix(k, "Board"):
			section = "board"
		case strings.HasPrefix(k, "Product"):
			section = "product"
		}
		if k == "FRU File ID" {
			k = section + " " + k
		}
		fru[k] = v
	}
	for want, got := range map[string]string{
		"Chassis Type":                  ch.Model,
		"Chassis Part Number":           ch.PartNumber,
		"Chassis Serial Number":         ch.Serial,
		"Board Manufacturer":            bd.Manufacturer,
		"Board Product Name":            bd.Model,
		"Board Serial Number":           bd.Serial,
		"Board Part Number":             bd.PartNumber,
		"board FRU File ID":             bd.FileID,
		"Board Manufacturing Date/Time": bd.Manufactured.Format("01/02/06 - 15:04:05"),
		"Product Manufacturer Name":     pr.Manufacturer,
		"Product Name":                  pr.Name,
		"Product Part/Model Number":     pr.PartNumber,
		"Product Version":               pr.Version,
		"Product Serial Number":         pr.Serial,
		"Product Asset Tag":             pr.AssetTag,
		"product FRU File ID":           pr.FileID,
	} {
		require.Contains(t, fru, want)
		assert.Equal(t, fru[want], got, want)
	}
	assert.Empty(t, bd.Version, "the board area has no version")
	assert.Equal(t, pr.Name, pr.Model)

	out, err := sim.Ipmitool(ctx, "fru", "print", "0")
	require.NoError(t, err)
	assert.Regexp(t, `Board Mfg Date\s+: `+strings.ReplaceAll(bd.Manufactured.Format("Mon Jan _2 15:04:05 2006"), " ", `\s+`)+" UTC", out)
	assert.Regexp(t, `Board Part Number\s+: `+bd.PartNumber+"\n", out)
	assert.Regexp(t, `Product Part Number\s+: `+pr.PartNumber+"\n", out)
	assert.Regexp(t, `Product Version\s+: `+pr.Version+"\n", out)
	assert.Regexp(t, `Chassis Part Number\s+: `+ch.PartNumber+"\n", out)
}

// Sensors read by the SDK and by ipmi-sensors agree on name, type, reading,
// unit and state; thresholds agree with ipmitool's sensor list (ipmi-sensors
// takes the readable thresholds from the SDR's masks, which ipmi_sim's SDR
// leaves empty, so it prints N/A; ipmitool and the SDK take them from Get
// Sensor Thresholds).
func TestSensorsMatchIpmiSensorsAndIpmitool(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	_, err = sim.Command(ctx, "sensor_set_value 0x20 0 1 0x52 1") // 82 C: above upper non-critical
	require.NoError(t, err)
	c := newSimClient(t, sim)
	sensors, err := c.Sensors(ctx)
	require.NoError(t, err)
	byName := map[string]oobkit.Sensor{}
	for _, s := range sensors {
		byName[s.Name] = s
	}
	rows := freeIPMI(t, ctx, sim, "ipmi-sensors", "--comma-separated-output", "--output-sensor-state", "--non-abbreviated-units")
	require.Len(t, rows, len(sensors))
	// FreeIPMI's sensor interpretation (freeipmi_interpret_sensor.conf(5)
	// defaults) rates "At or Above Upper Non-Critical Threshold" Nominal;
	// the SDK says warning, as ipmitool says "nc" (checked below): a
	// documented difference, not a mistake.
	state := map[string]string{"ok": "Nominal", "warning": "Nominal", "critical": "Critical", "non-recoverable": "Critical"}
	for _, r := range rows {
		s, ok := byName[r["Name"]]
		require.True(t, ok, "ipmi-sensors lists %q", r["Name"])
		assert.Equal(t, strings.ToLower(r["Type"]), s.Type, r["Name"])
		if r["Reading"] == "N/A" {
			assert.Nil(t, s.Value, r["Name"])
			continue
		}
		require.NotNil(t, s.Value, r["Name"])
		assert.Equal(t, r["Reading"], strconv.FormatFloat(*s.Value, 'f', 2, 64), r["Name"])
		assert.Equal(t, r["State"], state[s.Status], r["Name"])
	}
	assert.Equal(t, "warning", byName["CPU Temp"].Status)

	list, err := sim.Ipmitool(ctx, "sensor", "list")
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 10 || strings.TrimSpace(f[2]) == "discrete" {
			continue
		}
		s := byName[strings.TrimSpace(f[0])]
		status := map[string]string{"ok": "ok", "nc": "warning", "cr": "critical", "nr": "non-recoverable"}
		assert.Equal(t, status[strings.TrimSpace(f[3])], s.Status, s.Name)
		for i, key := range []string{"lnr", "lcr", "lnc", "unc", "ucr", "unr"} {
			tool := strings.TrimSpace(f[4+i])
			v, ok := s.Thresholds[key]
			if tool == "na" {
				assert.False(t, ok, "%s %s", s.Name, key)
				continue
			}
			require.True(t, ok, "%s %s", s.Name, key)
			assert.Equal(t, tool, strconv.FormatFloat(v, 'f', 3, 64), "%s %s", s.Name, key)
		}
	}
	assert.Equal(t, map[string]float64{"unc": 80, "ucr": 85, "unr": 96}, byName["CPU Temp"].Thresholds)
}

// SEL records read by the SDK and by ipmi-sel -v over the same ipmi_sim
// agree field by field: sensor name from the SDR ("CPU Temp", not "Sensor
// #1"), type, state, direction, event, and the trigger reading and
// threshold in the sensor's unit. The records are the 7 the issue lists:
// the seeded one, the two a temperature rise logs, an Upper Critical
// deassertion, and DIMM presence (Entity Present, Entity Absent asserted
// and deasserted).
func TestSELMatchesIpmiSel(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	_, err = sim.Command(ctx, "sensor_set_value 0x20 0 1 0x58 1")
	require.NoError(t, err)
	selAdd(t, ctx, sim, 0x01, 1, 0x81, [3]byte{0x59, 0x50, 0x55}) // Upper Critical going high, deasserted
	selAdd(t, ctx, sim, 0x25, 2, 0x6F, [3]byte{0x00, 0xFF, 0xFF}) // Entity Present
	selAdd(t, ctx, sim, 0x25, 2, 0x6F, [3]byte{0x01, 0xFF, 0xFF}) // Entity Absent
	selAdd(t, ctx, sim, 0x25, 2, 0xEF, [3]byte{0x01, 0xFF, 0xFF}) // Entity Absent, deasserted
	c := newSimClient(t, sim)
	events, err := c.EventLog(ctx, 0)
	require.NoError(t, err)
	rows := freeIPMI(t, ctx, sim, "ipmi-sel", "-v", "--output-event-state", "--comma-separated-output")
	require.Len(t, rows, 7)
	require.Len(t, events, 7)
	for i, r := range rows {
		ev := events[len(events)-1-i]
		assert.Equal(t, r["ID"], ev.ID)
		assert.Equal(t, r["Name"], ev.Data["sensorName"], "record %s", ev.ID)
		assert.Contains(t, ev.Description, " "+r["Name"]+": ")
		assert.Equal(t, r["Type"], ev.SensorType)
		assert.Equal(t, r["State"], freeIPMIState(ev.Severity), "record %s: %s", ev.ID, r["Event"])
		dir := "Assertion Event"
		if !ev.Assertion {
			dir = "Deassertion Event"
		}
		assert.Equal(t, r["Event Direction"], dir)
		parts := strings.Split(r["Event"], " ; ")
		assert.Contains(t, ev.Description, ": "+parts[0]+" (")
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, " = ")
			num, _, _ := strings.Cut(v, " ")
			switch k {
			case "Sensor Reading":
				assert.Equal(t, num, ev.Data["readingValue"], "record %s", ev.ID)
			case "Threshold":
				assert.Equal(t, num, ev.Data["thresholdValue"], "record %s", ev.ID)
			}
		}
	}
}

// petBytes builds the variable binding of an IPMI Platform Event Trap
// (IPMI PET v1.0 §3.1, Table 3-2): GUID, sequence, unspecified time and
// UTC offset, trap and event source IPMI, severity, sensor device 20h (the
// BMC), sensor number, entity, event data, English, manufacturer, system
// ID, no OEM fields.
func petBytes(severity, sensor, entity uint8, evData []byte) []byte {
	b := make([]byte, 0, 47)
	b = append(b, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef)
	b = append(b, 0x00, 0x01, 0, 0, 0, 0, 0xFF, 0xFF)
	b = append(b, 0x20, 0x20, severity, 0x20, sensor, entity, 0x01)
	var ed [8]byte
	copy(ed[:], evData)
	b = append(b, ed[:]...)
	b = append(b, 0x19, 0x00, 0x00, 0x12, 0x91, 0x0f, 0x02)
	return append(b, 0xC1)
}

// A PET from the ipmi_sim BMC, decoded with the BMC's SDR, names its
// sensor as FreeIPMI's ipmi-pet does given the same BMC ("CPU Temp",
// "DIMM1 Presence"), with the same state.
func TestPETNamedLikeIpmiPet(t *testing.T) {
	sim, err := ipmitest.NewSim(ipmitest.SimConfig{})
	peer.Check(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	ctx := testCtx(t)
	c := newSimClient(t, sim)
	sdr, err := c.SDR(ctx)
	require.NoError(t, err)
	for _, tc := range []struct {
		specific uint32
		sensor   uint8
		data     []byte
		want     string
	}{
		{0x010109, 1, []byte{0x59, 0x62, 0x55}, "CPU Temp"},
		{0x256F01, 2, []byte{0x01}, "DIMM1 Presence"},
		{0x256F81, 2, []byte{0x01}, "DIMM1 Presence"},
		{0x070300, 9, []byte{0x00}, "Sensor #9"}, // no SDR record
	} {
		data := petBytes(0x10, tc.sensor, 0x07, tc.data)
		args := []string{"-v", "--output-event-state", "--comma-separated-output", strconv.FormatUint(uint64(tc.specific), 10)}
		for _, b := range data {
			args = append(args, fmt.Sprintf("0x%02x", b))
		}
		rows := freeIPMI(t, ctx, sim, "ipmi-pet", args...)
		require.Len(t, rows, 1)
		p, err := snmp.DecodePET(tc.specific, data)
		require.NoError(t, err)
		ev := p.EventNamed("sim", sdr)
		assert.Equal(t, tc.want, rows[0]["Name"])
		assert.Contains(t, ev.Description, " "+rows[0]["Name"]+": ")
		if tc.want != "Sensor #9" {
			assert.Equal(t, rows[0]["State"], freeIPMIState(ev.Severity), "%#x", tc.specific)
		}
	}
	n, ok := sdr.SensorName(0x20, 3)
	assert.True(t, ok)
	assert.Equal(t, "FAN1", n)
}
