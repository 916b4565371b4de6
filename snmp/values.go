package snmp

import (
	"fmt"
	"net"
	"strings"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"
)

// pduString renders a variable's value as text: octet strings as text when
// printable (else hex), OIDs with their leading dot, numbers in decimal.
func pduString(p gosnmp.SnmpPDU) string {
	switch p.Type {
	case gosnmp.OctetString:
		b, _ := p.Value.([]byte)
		return octetsString(b)
	case gosnmp.ObjectIdentifier:
		s, _ := p.Value.(string)
		return s
	case gosnmp.IPAddress:
		s, _ := p.Value.(string)
		return s
	case gosnmp.Null, gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView:
		return ""
	case gosnmp.Integer, gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Counter64, gosnmp.Uinteger32:
		return gosnmp.ToBigInt(p.Value).String()
	}
	return fmt.Sprint(p.Value)
}

// octetsString returns b as text if it is printable UTF-8, else as hex
// bytes separated by spaces.
func octetsString(b []byte) string {
	if utf8.Valid(b) && !strings.ContainsFunc(string(b), func(r rune) bool {
		return r < 0x20 && r != '\n' && r != '\r' && r != '\t'
	}) {
		return strings.TrimRight(string(b), "\x00")
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}

// pduInt returns a numeric variable's value, 0 for anything else.
func pduInt(p gosnmp.SnmpPDU) int64 {
	switch p.Type {
	case gosnmp.Integer, gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Counter64, gosnmp.Uinteger32:
		return gosnmp.ToBigInt(p.Value).Int64()
	}
	return 0
}

// pduMAC formats a 6-byte octet string as a MAC address, "" otherwise.
func pduMAC(p gosnmp.SnmpPDU) string {
	b, ok := p.Value.([]byte)
	if !ok || len(b) != 6 {
		return ""
	}
	return net.HardwareAddr(b).String()
}

// normOID makes sure an OID starts with a dot, as gosnmp returns them.
func normOID(oid string) string {
	if strings.HasPrefix(oid, ".") {
		return oid
	}
	return "." + oid
}

// table is an SNMP table walked at once: rows by index, columns by number.
type table map[string]map[int]gosnmp.SnmpPDU

// splitTable groups the variables under entry (e.g. ifEntry ".1.3.6.1.2.1.2.2.1")
// by row index (the OID suffix after the column) and column number.
func splitTable(entry string, pdus []gosnmp.SnmpPDU) (table, []string) {
	entry = normOID(entry) + "."
	t := table{}
	var order []string
	for _, p := range pdus {
		rest, ok := strings.CutPrefix(p.Name, entry)
		if !ok {
			continue
		}
		colStr, index, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		var col int
		if _, err := fmt.Sscanf(colStr, "%d", &col); err != nil {
			continue
		}
		row, seen := t[index]
		if !seen {
			row = map[int]gosnmp.SnmpPDU{}
			t[index] = row
			order = append(order, index)
		}
		row[col] = p
	}
	return t, order
}
