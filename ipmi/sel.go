package ipmi

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/storage"

	"github.com/oobkit/oobkit"
)

// maxSELRecords bounds one read of the SEL (record IDs are 16-bit).
const maxSELRecords = 0xFFFF

// EventLog reads the System Event Log, newest first, at most max records
// (0 means all), each decoded by [DecodeSEL] and tagged with the target's
// name. An empty SEL is an empty slice. A system event's sensor is named
// from the BMC's SDR (see [Client.SensorRecords]) as ipmitool and ipmi-sel
// name it — "Temperature CPU Temp: Upper Critical - going high
// (Assertion)" — with its Entity and, for a threshold event, the trigger
// reading and threshold in the sensor's unit; a sensor without a record,
// or a BMC without an SDR, keeps "Sensor #N".
func (c *Client) EventLog(ctx context.Context, max int) ([]oobkit.Event, error) {
	var recs [][]byte
	var sdr *sdrCache
	err := c.do(ctx, "Get SEL Entry", func(cl *client.Client) error {
		s, err := c.sdrOptional(ctx, cl)
		if err != nil {
			return err
		}
		sdr = s
		info, err := cl.GetSELInfo(ctx)
		if err != nil {
			return err
		}
		recs = make([][]byte, 0, min(int(info.Entries), 1024))
		if info.Entries == 0 {
			return nil
		}
		seen := map[uint16]bool{}
		for id := uint16(0); id != 0xFFFF && len(recs) < maxSELRecords; { // 0000h = first record
			if seen[id] {
				return fmt.Errorf("%w: SEL record chain loops at record %d", oobkit.ErrProtocol, id)
			}
			seen[id] = true
			resp := &storage.GetSELEntryResponse{}
			if err := cl.Exchange(ctx, &storage.GetSELEntryRequest{RecordID: id, ReadBytes: 0xFF}, resp); err != nil {
				return err
			}
			recs = append(recs, resp.Data)
			id = resp.NextRecordID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	events := make([]oobkit.Event, 0, len(recs))
	for _, r := range recs {
		ev, err := decodeSEL(r, sdr)
		if err != nil {
			return nil, classify("Get SEL Entry", err)
		}
		ev.Target = c.target.String()
		events = append(events, ev)
	}
	slices.Reverse(events) // the SEL is oldest first
	if max > 0 && len(events) > max {
		events = events[:max]
	}
	return events, nil
}

// SELInfo is the answer to Get SEL Info (IPMI v2.0 §31.2).
type SELInfo struct {
	Version      string    `json:"version"`
	Entries      int       `json:"entries"`
	FreeBytes    int       `json:"freeBytes"`
	LastAddition time.Time `json:"lastAddition,omitzero"`
	LastErase    time.Time `json:"lastErase,omitzero"`
	Overflow     bool      `json:"overflow,omitempty"`
}

// SELInfo reads the SEL's size and state.
func (c *Client) SELInfo(ctx context.Context) (*SELInfo, error) {
	var out *SELInfo
	err := c.do(ctx, "Get SEL Info", func(cl *client.Client) error {
		r, err := cl.GetSELInfo(ctx)
		if err != nil {
			return err
		}
		out = &SELInfo{Version: fmt.Sprintf("%d.%d", r.SELVersion&0x0F, r.SELVersion>>4), Entries: int(r.Entries),
			FreeBytes: int(r.FreeBytes), Overflow: r.OperationSupport.Overflow}
		if r.RecentAdditionTime.Unix() > selRelativeTimeMax && r.RecentAdditionTime.Unix() != 0xFFFFFFFF {
			out.LastAddition = r.RecentAdditionTime.UTC()
		}
		if r.RecentEraseTime.Unix() > selRelativeTimeMax && r.RecentEraseTime.Unix() != 0xFFFFFFFF {
			out.LastErase = r.RecentEraseTime.UTC()
		}
		return nil
	})
	return out, err
}

// ClearSEL erases the System Event Log (Reserve SEL, then Clear SEL with
// "initiate erase", then polls the erasure status until it completes,
// within ctx).
func (c *Client) ClearSEL(ctx context.Context) error {
	return c.do(ctx, "Clear SEL", func(cl *client.Client) error {
		res, err := cl.ReserveSEL(ctx)
		if err != nil {
			return err
		}
		r, err := cl.ClearSEL(ctx, res.ReservationID)
		if err != nil {
			return err
		}
		for r.ErasureProgressStatus&0x0F != 1 { // 1 = erasure completed (§31.9)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			r = &storage.ClearSELResponse{}
			if err := cl.Exchange(ctx, &storage.ClearSELRequest{ReservationID: res.ReservationID, GetErasureStatusFlag: true}, r); err != nil {
				return err
			}
		}
		return nil
	})
}
