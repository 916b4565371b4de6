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
	sim := ipmitest.StartSim(t, ipmitest.SimConfig{})
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
