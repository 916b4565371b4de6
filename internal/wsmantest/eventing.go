package wsmantest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/oobkit/oobkit/internal/wsman"
)

// Subscribe is what a WS-Eventing Subscribe request asks for (DSP0226 §10.2):
// the listener, the delivery mode and the reference parameters to echo.
type Subscribe struct {
	// Destination is the NotifyTo address, an http(s) URL.
	Destination string
	// WithAck is true for PushWithAck delivery.
	WithAck bool
	// ReferenceParameters are echoed in every event header.
	ReferenceParameters map[string]string
}

// ParseSubscribe reads a Subscribe request's Delivery. It accepts Push and
// PushWithAck and a NotifyTo that is an http(s) URL of at most maxURL bytes
// (0: no limit), and answers anything else with the fault a device sends.
func ParseSubscribe(req *Request, maxURL int) (Subscribe, error) {
	var del *etree.Element
	if req.Body != nil {
		del = req.Body.SelectElement("Delivery")
	}
	if del == nil {
		return Subscribe{}, Fault("InvalidMessageInformationHeader", "Subscribe without Delivery")
	}
	s := Subscribe{ReferenceParameters: map[string]string{}}
	switch del.SelectAttrValue("Mode", wsman.DeliveryPush) {
	case wsman.DeliveryPush:
	case wsman.DeliveryPushWithAck:
		s.WithAck = true
	default:
		return Subscribe{}, Fault("DeliveryModeRequestedUnavailable", "only Push and PushWithAck are supported")
	}
	if nt := del.SelectElement("NotifyTo"); nt != nil {
		if a := nt.SelectElement("Address"); a != nil {
			s.Destination = strings.TrimSpace(a.Text())
		}
		if rp := nt.SelectElement("ReferenceParameters"); rp != nil {
			for _, p := range rp.ChildElements() {
				s.ReferenceParameters[p.Tag] = strings.TrimSpace(p.Text())
			}
		}
	}
	if !strings.HasPrefix(s.Destination, "http://") && !strings.HasPrefix(s.Destination, "https://") {
		return Subscribe{}, Fault("InvalidParameter", "NotifyTo must be an http(s) URL")
	}
	if maxURL > 0 && len(s.Destination) > maxURL {
		return Subscribe{}, Fault("InvalidParameter", fmt.Sprintf("NotifyTo must be at most %d characters", maxURL))
	}
	return s, nil
}

// PushResult is what became of one pushed event.
type PushResult struct {
	// Status is the listener's HTTP status (0 if it was not reached).
	Status int
	// Acked is true when the listener answered a PushWithAck event with the
	// wsman Ack action related to the event.
	Acked bool
	// Err says why the event was not delivered (or not acknowledged).
	Err error
}

// maxAckBytes bounds a listener's answer.
const maxAckBytes = 64 << 10

// Push sends one event to s's listener as a device does (DSP0226 §10.2.9):
// action wsman Event, wsman:AckRequested for PushWithAck, the subscriber's
// reference parameters in the header (sorted, so messages are stable), body
// as the Body's content; and checks the acknowledgement.
func Push(ctx context.Context, c *http.Client, s Subscribe, body *etree.Element) PushResult {
	msgID := wsman.NewMessageID()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Destination, bytes.NewReader(eventEnvelope(s, body, msgID)))
	if err != nil {
		return PushResult{Err: err}
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	resp, err := c.Do(req)
	if err != nil {
		return PushResult{Err: err}
	}
	defer resp.Body.Close()
	out := PushResult{Status: resp.StatusCode}
	if resp.StatusCode/100 != 2 {
		out.Err = fmt.Errorf("listener answered HTTP %d", resp.StatusCode)
		return out
	}
	if !s.WithAck {
		return out
	}
	env, err := wsman.ParseEnvelope(io.LimitReader(resp.Body, maxAckBytes))
	switch {
	case err != nil:
		out.Err = fmt.Errorf("no acknowledgement: %w", err)
	case env.Action() != wsman.ActionAck:
		out.Err = fmt.Errorf("no acknowledgement: action %q", env.Action())
	case env.RelatesTo() != msgID:
		out.Err = fmt.Errorf("acknowledgement relates to %q, not %q", env.RelatesTo(), msgID)
	default:
		out.Acked = true
	}
	return out
}

// ActionEvent is the action of a pushed event.
const ActionEvent = "http://schemas.dmtf.org/wbem/wsman/1/wsman/Event"

func eventEnvelope(s Subscribe, body *etree.Element, msgID string) []byte {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", wsman.NSSOAP)
	env.CreateAttr("xmlns:a", wsman.NSAddressing)
	env.CreateAttr("xmlns:w", wsman.NSWSMan)
	hdr := env.CreateElement("s:Header")
	hdr.CreateElement("a:To").SetText(s.Destination)
	hdr.CreateElement("a:Action").SetText(ActionEvent)
	hdr.CreateElement("a:MessageID").SetText(msgID)
	hdr.CreateElement("a:ReplyTo").CreateElement("a:Address").SetText(wsman.AnonymousAddress)
	if s.WithAck {
		hdr.CreateElement("w:AckRequested")
	}
	keys := make([]string, 0, len(s.ReferenceParameters))
	for k := range s.ReferenceParameters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		hdr.CreateElement(k).SetText(s.ReferenceParameters[k])
	}
	env.CreateElement("s:Body").AddChild(body)
	var buf bytes.Buffer
	_, _ = doc.WriteTo(&buf)
	return buf.Bytes()
}
