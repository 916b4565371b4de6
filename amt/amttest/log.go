package amttest

import (
	"encoding/base64"
	"strconv"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

func (d *Device) positionToFirstRecord(*wsmantest.Request) (*etree.Element, error) {
	return output(schema.MessageLog, "PositionToFirstRecord", 0, "IterationIdentifier", "1"), nil
}

// pageLimit is the most records one GetRecords returns. Firmware may
// return fewer records than asked; the simulator does, so clients prove
// they loop on NoMoreRecords.
const pageLimit = 100

// getRecords pages the log newest first; the IterationIdentifier is the
// 1-based index of the next record.
func (d *Device) getRecords(r *wsmantest.Request) (*etree.Element, error) {
	in := r.Instance()
	start, err := strconv.Atoi(in.Get("IterationIdentifier"))
	max, _ := in.Int("MaxReadRecords")
	if err != nil || start < 1 {
		return output(schema.MessageLog, "GetRecords", 2), nil
	}
	if max <= 0 || max > pageLimit {
		max = pageLimit
	}
	d.mu.Lock()
	recs := d.records
	var page [][]byte
	for i := start - 1; i < len(recs) && len(page) < int(max); i++ {
		page = append(page, recs[i].Encode())
	}
	next := start + len(page)
	more := next <= len(recs)
	d.mu.Unlock()
	out := wsman.NewInstance(schema.MessageLog, "GetRecords_OUTPUT")
	out.Set("IterationIdentifier", strconv.Itoa(next))
	out.SetBool("NoMoreRecords", !more)
	var vals []string
	for _, b := range page {
		vals = append(vals, base64.StdEncoding.EncodeToString(b))
	}
	if len(vals) > 0 {
		out.Set("RecordArray", vals...)
	}
	out.SetInt("ReturnValue", 0)
	return out.Element(), nil
}
