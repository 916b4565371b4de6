package ipmi

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/ipmispec"
	"github.com/oobkit/oobkit/ipmievent"
)

// SELRecordSize is the size of one System Event Log record (IPMI v2.0 §32).
const SELRecordSize = 16

// Relative SEL timestamps: values up to this count seconds since BMC
// initialisation, not since 1970 (IPMI v2.0 §37.1).
const selRelativeTimeMax = 0x20000000

// DecodeSEL decodes one 16-byte SEL record (IPMI v2.0 §32.1–32.3, Tables
// 32-1..32-3) into an [oobkit.Event] with Source [oobkit.IPMI]. System event
// records (type 02h) get the sensor type, event type, offset, direction,
// severity and a description in the spec's words — the same as a PET of the
// same event gets from the snmp package; OEM records keep their
// bytes in Data. Fewer than 16 bytes is an error wrapping
// [oobkit.ErrProtocol]; extra bytes are ignored.
func DecodeSEL(rec []byte) (oobkit.Event, error) { return decodeSEL(rec, nil) }

// decodeSEL is DecodeSEL naming the sensor of a system event record from
// the SDR, when sdr has its record.
func decodeSEL(rec []byte, sdr *sdrCache) (oobkit.Event, error) {
	if len(rec) < SELRecordSize {
		return oobkit.Event{}, fmt.Errorf("%w: ipmi: SEL record of %d bytes, want %d", oobkit.ErrProtocol, len(rec), SELRecordSize)
	}
	id := binary.LittleEndian.Uint16(rec[0:2])
	typ := rec[2]
	ev := oobkit.Event{
		Source: oobkit.IPMI,
		ID:     strconv.Itoa(int(id)),
		Data:   map[string]string{"recordType": fmt.Sprintf("%#02x", typ)},
	}
	switch {
	case typ == 0x02:
		e := decodeSystemEvent(rec, &ev)
		gen := binary.LittleEndian.Uint16(rec[7:9])
		if r, ok := sdr.lookup(uint8(gen), uint8(gen>>8)&0x03, e.SensorNumber); ok {
			annotate(&ev, e, r)
		}
	case typ >= 0xC0 && typ <= 0xDF: // OEM timestamped: time, manufacturer ID (3 bytes), 6 OEM bytes
		setSELTime(&ev, binary.LittleEndian.Uint32(rec[3:7]))
		mfg := uint32(rec[7]) | uint32(rec[8])<<8 | uint32(rec[9])<<16
		ev.Data["manufacturerID"] = strconv.Itoa(int(mfg))
		ev.Data["oemData"] = fmt.Sprintf("%x", rec[10:16])
		ev.Severity = oobkit.SeverityInfo
		ev.Code = fmt.Sprintf("oem-%#02x", typ)
		ev.Description = fmt.Sprintf("OEM timestamped record (type %#02x, manufacturer %d)", typ, mfg)
	case typ >= 0xE0: // OEM non-timestamped: 13 OEM bytes
		ev.Data["oemData"] = fmt.Sprintf("%x", rec[3:16])
		ev.Severity = oobkit.SeverityInfo
		ev.Code = fmt.Sprintf("oem-%#02x", typ)
		ev.Description = fmt.Sprintf("OEM record (type %#02x)", typ)
	default:
		ev.Data["raw"] = fmt.Sprintf("%x", rec[:SELRecordSize])
		ev.Description = fmt.Sprintf("unknown SEL record type %#02x", typ)
	}
	return ev, nil
}

func setSELTime(ev *oobkit.Event, ts uint32) {
	switch {
	case ts == 0xFFFFFFFF:
		ev.Data["time"] = "unspecified"
	case ts <= selRelativeTimeMax:
		ev.Data["time"] = fmt.Sprintf("+%ds after BMC initialisation", ts)
	default:
		ev.Time = time.Unix(int64(ts), 0).UTC()
	}
}

// decodeSystemEvent fills ev from a type 02h record (Table 32-1); the
// names, description and severity come from the IPMI tables shared with the
// snmp package's PET decoder, so a SEL record and a PET of the same event read
// the same.
func decodeSystemEvent(rec []byte, ev *oobkit.Event) ipmievent.Event {
	setSELTime(ev, binary.LittleEndian.Uint32(rec[3:7]))
	gen := binary.LittleEndian.Uint16(rec[7:9])
	evmRev := rec[9]
	e := ipmievent.Event{
		SensorType:   rec[10],
		SensorNumber: rec[11],
		EventType:    rec[12] & 0x7F,
		Deassertion:  rec[12]&0x80 != 0,
		Offset:       rec[13] & 0x0F, // event data 1 bits 3..0 (Table 29-6)
		Data:         [3]byte{rec[13], rec[14], rec[15]},
	}
	ev.Code = e.Code()
	ev.Data["generatorID"] = fmt.Sprintf("%#04x", gen)
	ev.Data["evmRev"] = fmt.Sprintf("%#02x", evmRev)
	ev.Data["eventData"] = fmt.Sprintf("%x", e.Data[:])
	e.Fill(ev)
	return e
}

// SensorTypeName names an IPMI sensor type code (IPMI v2.0 §42.2 Table
// 42-3), in the same words as the snmp package's PET decoder.
func SensorTypeName(t uint8) string { return ipmispec.SensorTypeName(t) }
