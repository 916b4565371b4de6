package ipmi

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/ipmispec"
	"github.com/oobkit/oobkit/ipmievent"
)

// SensorRecord is one sensor as the BMC's SDR repository describes it (a
// full or compact sensor record, IPMI v2.0 §43.1–43.2): what ipmitool,
// ipmi-sel and ipmi-pet use to call "Sensor #1" by its name, "CPU Temp".
type SensorRecord struct {
	// Owner is the sensor owner ID: the IPMB slave address (bit 0 clear,
	// 20h for the BMC) or a system software ID (bit 0 set).
	Owner uint8 `json:"owner"`
	// LUN is the owner's logical unit the sensor answers on.
	LUN uint8 `json:"lun,omitempty"`
	// Number is the sensor number.
	Number uint8 `json:"number"`
	// Name is the SDR's ID string ("CPU Temp").
	Name string `json:"name"`
	// SensorType is the sensor type code (Table 42-3).
	SensorType uint8 `json:"sensorType"`
	// EventType is the event/reading type code (Table 42-1).
	EventType uint8 `json:"eventType"`
	// EntityID and EntityInstance say what the sensor watches (§43.14).
	EntityID       uint8 `json:"entityID"`
	EntityInstance uint8 `json:"entityInstance"`
	// Entity names them: "System Board 1".
	Entity string `json:"entity,omitempty"`

	full *types.SDRFull // for converting raw readings and thresholds
}

// sdrCache is the client's copy of the SDR repository's sensor records,
// kept while Get SDR Repository Info reports the same record count and
// most recent addition and erase times (IPMI v2.0 §33.9).
type sdrCache struct {
	count             uint16
	added, erased     time.Time
	records           []SensorRecord
	byOwner, byOwner0 map[[3]uint8]int // {owner, lun, number} → index; LUN ignored in byOwner0
}

// SensorRecords returns the sensor records of the BMC's SDR repository.
// They are read once and kept by the client; each later call costs one Get
// SDR Repository Info, and the records are read again when the repository
// changed. A BMC without an SDR repository yields an error wrapping
// [oobkit.ErrUnsupported].
func (c *Client) SensorRecords(ctx context.Context) ([]SensorRecord, error) {
	var out []SensorRecord
	err := c.do(ctx, "Get SDR", func(cl *client.Client) error {
		s, err := c.sdrLocked(ctx, cl)
		if err != nil {
			return err
		}
		out = append([]SensorRecord(nil), s.records...)
		return nil
	})
	return out, err
}

// sdrLocked returns the cached SDR, reading it when it is missing or stale.
// It runs inside [Client.do].
func (c *Client) sdrLocked(ctx context.Context, cl *client.Client) (*sdrCache, error) {
	info, err := cl.GetSDRRepoInfo(ctx)
	if err != nil {
		return nil, err
	}
	if s := c.sdr; s != nil && s.count == info.RecordCount && s.added.Equal(info.MostRecentAdditionTime) &&
		s.erased.Equal(info.MostRecentEraseTime) {
		return s, nil
	}
	sdrs, err := cl.GetSDRsRaw(ctx, types.SDRRecordTypeFullSensor, types.SDRRecordTypeCompactSensor)
	if err != nil {
		return nil, err
	}
	s := &sdrCache{count: info.RecordCount, added: info.MostRecentAdditionTime, erased: info.MostRecentEraseTime,
		byOwner: map[[3]uint8]int{}, byOwner0: map[[3]uint8]int{}}
	for _, r := range sdrs {
		var rec SensorRecord
		var gen types.GeneratorID
		switch {
		case r.Full != nil:
			f := r.Full
			gen = f.GeneratorID
			rec = SensorRecord{Number: uint8(f.SensorNumber), Name: sdrText(f.IDStringBytes), SensorType: uint8(f.SensorType),
				EventType: uint8(f.SensorEventReadingType), EntityID: uint8(f.SensorEntityID),
				EntityInstance: uint8(f.SensorEntityInstance), full: f}
		case r.Compact != nil:
			f := r.Compact
			gen = f.GeneratorID
			rec = SensorRecord{Number: uint8(f.SensorNumber), Name: sdrText(f.IDStringBytes), SensorType: uint8(f.SensorType),
				EventType: uint8(f.SensorEventReadingType), EntityID: uint8(f.SensorEntityID),
				EntityInstance: uint8(f.SensorEntityInstance)}
		default:
			continue
		}
		rec.Owner, rec.LUN = uint8(gen), uint8(gen>>8)&0x03
		rec.Entity = ipmispec.EntityInstanceName(rec.EntityID, rec.EntityInstance)
		s.records = append(s.records, rec)
		s.byOwner[[3]uint8{rec.Owner, rec.LUN, rec.Number}] = len(s.records) - 1
		if _, dup := s.byOwner0[[3]uint8{rec.Owner, 0, rec.Number}]; !dup {
			s.byOwner0[[3]uint8{rec.Owner, 0, rec.Number}] = len(s.records) - 1
		}
	}
	c.sdr = s
	return s, nil
}

// lookup finds the record of a sensor by owner, LUN and number.
func (s *sdrCache) lookup(owner, lun, number uint8) (*SensorRecord, bool) {
	if s == nil {
		return nil, false
	}
	i, ok := s.byOwner[[3]uint8{owner, lun, number}]
	if !ok {
		return nil, false
	}
	return &s.records[i], true
}

// sdrText is an SDR ID string without padding.
func sdrText(b []byte) string { return strings.TrimSpace(strings.TrimRight(string(b), "\x00")) }

// SDR is a snapshot of the BMC's sensor records, for naming the sensors of
// events that arrive by other means, such as Platform Event Traps: it
// implements the snmp package's SensorNamer.
type SDR struct {
	cache *sdrCache
}

// SDR returns the BMC's sensor records as an [SDR] (see
// [Client.SensorRecords] for caching).
func (c *Client) SDR(ctx context.Context) (*SDR, error) {
	var out *SDR
	err := c.do(ctx, "Get SDR", func(cl *client.Client) error {
		s, err := c.sdrLocked(ctx, cl)
		out = &SDR{cache: s}
		return err
	})
	return out, err
}

// SensorName returns the name the SDR gives sensor number of the sensor
// owner owner (IPMB slave address, 20h for the BMC; LUN 0 first), and
// whether there is one.
func (s *SDR) SensorName(owner, number uint8) (string, bool) {
	if s == nil || s.cache == nil {
		return "", false
	}
	i, ok := s.cache.byOwner0[[3]uint8{owner, 0, number}]
	if !ok || s.cache.records[i].Name == "" {
		return "", false
	}
	return s.cache.records[i].Name, true
}

// annotate names the sensor of a decoded SEL record from the SDR: the
// description says "Temperature CPU Temp: …" as ipmitool and ipmi-sel name
// it, Entity is set, and a threshold event's raw trigger reading and
// threshold get their value in the sensor's unit ("readingValue",
// "thresholdValue", "unit" in Data), as ipmi-sel prints them.
func annotate(ev *oobkit.Event, e ipmievent.Event, rec *SensorRecord) {
	e.Name = rec.Name
	ev.Description = e.Description()
	ev.Entity = rec.Entity
	ev.Data["sensorName"] = rec.Name
	if rec.full == nil {
		return
	}
	reading, hasReading, threshold, hasThreshold := e.ThresholdData()
	if hasReading {
		ev.Data["readingValue"] = strconv.FormatFloat(rec.full.ConvertReading(reading), 'f', 2, 64)
	}
	if hasThreshold {
		ev.Data["thresholdValue"] = strconv.FormatFloat(rec.full.ConvertReading(threshold), 'f', 2, 64)
	}
	if hasReading || hasThreshold {
		ev.Data["unit"] = rec.full.SensorUnit.String()
	}
}

// sdrOptional reads the SDR for naming events, or nil when the BMC has none
// or it cannot be read: events are then named "Sensor #N". The caller's
// own end (ctx) is returned.
func (c *Client) sdrOptional(ctx context.Context, cl *client.Client) (*sdrCache, error) {
	s, err := c.sdrLocked(ctx, cl)
	if err == nil {
		return s, nil
	}
	if ctx.Err() != nil {
		return nil, err
	}
	e := classify("Get SDR", err)
	if errors.Is(e, oobkit.ErrUnreachable) {
		return nil, err
	}
	if !errors.Is(e, oobkit.ErrUnsupported) {
		c.log.Debug("ipmi: SDR not read; sensors keep their numbers", "target", c.target.String(), "err", e)
	}
	return nil, nil
}
