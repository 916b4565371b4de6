package wmi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit/internal/wsman"
)

// ParseDatetime reads a WMI date and time in either form WinRM uses: the
// xs:dateTime of a <cim:Datetime> ("2024-03-01T10:20:30.5Z",
// "2024-03-01T10:20:30+01:00") or the DMTF CIM_DATETIME string
// ("20240301102030.500000+060": local time and an offset in minutes). An
// empty string yields the zero time and no error.
func ParseDatetime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if strings.ContainsRune(s, 'T') || strings.ContainsRune(s, '-') && len(s) >= 10 && s[4] == '-' {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("wmi: datetime %q is not xs:dateTime", s)
	}
	return parseDMTF(s)
}

// parseDMTF reads "yyyymmddHHMMSS.mmmmmmsUUU" (DSP0004 §5.2.4; WMI uses
// it for CIM datetime values). Asterisks mark unknown fields; a value with
// any is refused.
func parseDMTF(s string) (time.Time, error) {
	if len(s) != 25 || s[14] != '.' || (s[21] != '+' && s[21] != '-') || strings.ContainsRune(s, '*') {
		return time.Time{}, fmt.Errorf("wmi: datetime %q is not yyyymmddHHMMSS.mmmmmm±UUU", s)
	}
	num := func(a, b int) (int, error) {
		for _, r := range s[a:b] {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("wmi: datetime %q has a non-digit", s)
			}
		}
		return strconv.Atoi(s[a:b])
	}
	var f [8]int
	spans := [8][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 12}, {12, 14}, {15, 21}, {22, 25}}
	for i, sp := range spans {
		v, err := num(sp[0], sp[1])
		if err != nil {
			return time.Time{}, err
		}
		f[i] = v
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 {
		return time.Time{}, fmt.Errorf("wmi: datetime %q is out of range", s)
	}
	off := f[7]
	if s[21] == '-' {
		off = -off
	}
	loc := time.FixedZone("", off*60)
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1000, loc), nil
}

// uintProp reads an unsigned integer property, 0 when absent or invalid.
func uintProp(in *wsman.Instance, name string) uint64 {
	v, err := strconv.ParseUint(strings.TrimSpace(in.Get(name)), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// text reads a string property with surrounding space removed.
func text(in *wsman.Instance, name string) string { return strings.TrimSpace(in.Get(name)) }

// timeProp reads a datetime property; an unreadable value is the zero time
// (a device's odd date must not fail a whole listing).
func timeProp(in *wsman.Instance, name string) time.Time {
	t, err := ParseDatetime(in.Get(name))
	if err != nil {
		return time.Time{}
	}
	return t
}
