package snmp

import (
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/peer"
	"github.com/oobkit/oobkit/snmp/snmptest"
)

// ipmiPet runs FreeIPMI's ipmi-pet, an independent PET decoder. It needs an
// SDR from a BMC, so a minimal OpenIPMI ipmi_sim runs on loopback for it.
type ipmiPet struct {
	bin, host, cacheDir string
}

func startIPMIPet(t *testing.T) ipmiPet {
	t.Helper()
	bin := peer.Require(t, "ipmi-pet", "freeipmi-tools")
	sim := peer.Require(t, "ipmi_sim", "openipmi")
	dir := t.TempDir()
	port := snmptest.FreeUDPPort(t)
	for _, name := range []string{"lan.conf", "sim.emu"} {
		b, err := os.ReadFile(filepath.Join("testdata", "ipmisim", name+".tmpl"))
		require.NoError(t, err)
		out := strings.ReplaceAll(string(b), "@PORT@", strconv.Itoa(port))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(out), 0o600))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "state"), 0o700))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sdrcache"), 0o700))
	cmd := exec.Command(sim, "-c", filepath.Join(dir, "lan.conf"), "-f", filepath.Join(dir, "sim.emu"),
		"-s", filepath.Join(dir, "state"), "-n")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ip := ipmiPet{bin: bin, host: "127.0.0.1:" + strconv.Itoa(port), cacheDir: filepath.Join(dir, "sdrcache")}
	dell := readHexBytes(t, "testdata/pet-dell.hex")
	var err error
	for i := 0; i < 50; i++ {
		if _, err = ip.decode(dellSpecific, dell); err == nil {
			return ip
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("ipmi-pet never worked against ipmi_sim: %v", err)
	return ip
}

// decode runs ipmi-pet and returns its output row keyed by column header.
func (ip ipmiPet) decode(specific uint32, data []byte) (map[string]string, error) {
	args := []string{"-h", ip.host, "-u", "admin", "-p", "password", "-D", "LAN_2_0", "-I", "3", "-W", "opensesspriv",
		"--sdr-cache-directory=" + ip.cacheDir, "--quiet-cache", "-v", "--output-event-state", "--comma-separated-output",
		strconv.FormatUint(uint64(specific), 10)}
	for _, b := range data {
		args = append(args, fmt.Sprintf("0x%02x", b))
	}
	cmd := exec.Command(ip.bin, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, out)
	}
	rows, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil || len(rows) != 2 {
		return nil, fmt.Errorf("unexpected ipmi-pet output %q: %v", out, err)
	}
	m := map[string]string{}
	for i, h := range rows[0] {
		if i < len(rows[1]) {
			m[h] = rows[1][i]
		}
	}
	return m, nil
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// norm compares wordings loosely: case and punctuation aside.
func norm(s string) string {
	return strings.Trim(nonWord.ReplaceAllString(strings.ToLower(s), " "), " ")
}

func TestPETMatchesFreeIPMI(t *testing.T) {
	ip := startIPMIPet(t)
	type tc struct {
		name     string
		specific uint32
		data     []byte
	}
	cases := []tc{{"real Dell chassis intrusion", dellSpecific, readHexBytes(t, "testdata/pet-dell.hex")}}
	secs := uint32(434683430) // 2011-10-10 20:50:46
	for _, c := range []struct {
		name     string
		specific uint32
		severity uint8
		sensor   uint8
		ed       []byte
	}{
		{"temperature upper critical going high", 0x010109, 0x10, 1, []byte{0x59, 0x62, 0x55}},
		{"voltage lower critical going low deasserted", 0x020182, 0x08, 2, []byte{0x52, 0x10, 0x12}},
		{"fan lower non-critical going low", 0x040100, 0x08, 3, []byte{0x50, 0x05, 0x07}},
		{"LAN leash lost", 0x056F04, 0x10, 4, nil},
		{"processor IERR", 0x076F00, 0x20, 5, nil},
		{"power supply failure", 0x086F01, 0x10, 6, nil},
		{"power unit AC lost", 0x096F04, 0x10, 7, nil},
		{"memory uncorrectable ECC", 0x0C6F01, 0x20, 8, nil},
		{"drive fault", 0x0D6F01, 0x10, 9, nil},
		{"SEL full", 0x106F04, 0x08, 10, nil},
		{"power button pressed", 0x146F00, 0x02, 11, nil},
		{"boot initiated by power up", 0x1D6F00, 0x02, 12, nil},
		{"run-time critical stop", 0x206F01, 0x20, 13, nil},
		{"watchdog 2 hard reset", 0x236F01, 0x08, 14, nil},
		{"entity absent", 0x256F01, 0x08, 15, nil},
		{"battery failed", 0x296F01, 0x10, 16, nil},
		{"generic state asserted", 0x070301, 0x04, 17, nil},
		{"generic predictive failure", 0x0D0401, 0x08, 18, nil},
		{"generic redundancy lost", 0x080B01, 0x10, 19, nil},
		{"generic device removed deasserted", 0x250880, 0x01, 20, nil},
	} {
		ed := c.ed
		if ed == nil { // IPMI event data 1: bits 3..0 repeat the event offset
			ed = []byte{byte(c.specific & 0x0F)}
		}
		cases = append(cases, tc{c.name, c.specific, buildPET(1, secs, 0xFFFF, c.severity, c.sensor, 0x07, ed, nil)})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref, err := ip.decode(c.specific, c.data)
			require.NoError(t, err)
			p, err := DecodePET(c.specific, c.data)
			require.NoError(t, err)
			assert.Equal(t, ref["Name"], p.SensorName(), "sensor")
			assert.Equal(t, ref["Type"], p.SensorTypeName(), "sensor type")
			assert.Equal(t, norm(ref["Severity"]), norm(p.SeverityName()), "severity")
			assert.Equal(t, ref["Event Direction"], p.Direction()+" Event", "direction")
			event, _, _ := strings.Cut(ref["Event"], " | ")
			assert.Equal(t, norm(event), norm(p.EventName()), "event")
			assert.Equal(t, ref["Date"]+" "+ref["Time"], p.Timestamp.Format("Jan-02-2006 15:04:05"), "time")
			// The event's severity is FreeIPMI's interpretation (its "State"
			// column) for threshold and sensor-specific events; generic
			// event types are rated per sensor type by FreeIPMI and are not
			// (see internal/ipmispec).
			if et := c.specific >> 8 & 0xFF; et == 0x01 || et == 0x6F {
				want := map[oobkit.Severity]string{oobkit.SeverityInfo: "Nominal", oobkit.SeverityWarning: "Warning",
					oobkit.SeverityCritical: "Critical", oobkit.SeverityNonRecoverable: "Critical"}
				assert.Equal(t, ref["State"], want[p.Event("x").Severity], "state")
			}
		})
	}
}
