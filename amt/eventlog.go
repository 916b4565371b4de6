package amt

import (
	"context"
	"encoding/base64"
	"strconv"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// recordsPerPage is how many records one GetRecords asks for
// (MeshCommander and go-wsman-messages use 390).
const recordsPerPage = 390

// maxLogPages bounds the loop against a device that never says "no more".
const maxLogPages = 1000

// EventLog reads AMT_MessageLog: PositionToFirstRecord, then GetRecords
// until NoMoreRecords, newest first, at most max records (0: all). Records
// are decoded by [Record.Event]: named, described and rated with the IPMI
// tables the ipmi (SEL) and snmp (PET) packages use, so the same event reads
// the same whichever protocol reported it.
func (c *Client) EventLog(ctx context.Context, max int) ([]oobkit.Event, error) {
	recs, err := c.MessageLog(ctx, max)
	if err != nil {
		return nil, err
	}
	out := make([]oobkit.Event, 0, len(recs))
	for i, r := range recs {
		ev := r.Event()
		ev.Target = c.target.String()
		ev.ID = strconv.Itoa(i + 1)
		out = append(out, ev)
	}
	return out, nil
}

// MessageLog reads the raw decoded records, newest first.
func (c *Client) MessageLog(ctx context.Context, max int) ([]Record, error) {
	sel := wsman.Sel("Name", schema.MessageLogName)
	out, err := c.invoke(ctx, schema.MessageLog, "PositionToFirstRecord", sel, nil, logCodes)
	if err != nil {
		return nil, err
	}
	iter := out.Get("IterationIdentifier")
	var recs []Record
	for page := 0; ; page++ {
		if page >= maxLogPages {
			return nil, protoErr("GetRecords", "the log did not end after %d pages", maxLogPages)
		}
		n := recordsPerPage
		if max > 0 && max-len(recs) < n {
			n = max - len(recs)
		}
		in := wsman.MethodInput(schema.MessageLog, "GetRecords").Set("IterationIdentifier", iter).SetInt("MaxReadRecords", int64(n))
		out, err := c.invoke(ctx, schema.MessageLog, "GetRecords", sel, in, logCodes)
		if err != nil {
			return nil, err
		}
		page, more, next, err := decodeGetRecords(out)
		if err != nil {
			return nil, err
		}
		recs = append(recs, page...)
		if max > 0 && len(recs) >= max {
			return recs[:max], nil
		}
		if !more || len(page) == 0 {
			return recs, nil
		}
		iter = next
	}
}

// decodeGetRecords reads a GetRecords output: the records, whether more
// remain, and the next IterationIdentifier.
func decodeGetRecords(out *wsman.Instance) (recs []Record, more bool, next string, err error) {
	for _, b64 := range out.All("RecordArray") {
		raw, derr := base64.StdEncoding.DecodeString(b64)
		if derr != nil {
			return nil, false, "", protoErr("GetRecords", "record is not base64: %v", derr)
		}
		r, derr := DecodeRecord(raw)
		if derr != nil {
			return nil, false, "", derr
		}
		recs = append(recs, r)
	}
	return recs, !out.Bool("NoMoreRecords"), out.Get("IterationIdentifier"), nil
}
