package amttest

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/beevik/etree"
	"github.com/gosnmp/gosnmp"

	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Alert is an event the simulated device raises: a CIM_AlertIndication for
// WS-Eventing subscribers and, when Record names an event, a Platform Event
// Trap for the PET destinations whose PolicyID an enabled event filter with
// SendAlert catching the record carries.
type Alert struct {
	// MessageID is the Intel message ID ("PLAT0272", "iAMT0050").
	MessageID string
	// Message is the text; Args are its MessageArguments.
	Message string
	Args    []string
	// Severity is the PerceivedSeverity (2 information … 6 critical,
	// 7 fatal); default 2.
	Severity int
	// AlertType is the CIM AlertType (default 5, device alert).
	AlertType int
	// Record is the platform event behind the alert (sensor type, event
	// type, offset, severity…): the PET carries it. An alert whose Record
	// has no EventType goes to WS-Eventing subscribers only.
	Record Record
	// Time defaults to the device clock.
	Time time.Time
}

// Delivery is the outcome of sending one alert to one destination.
type Delivery struct {
	// Destination is the listener URL or the PET address.
	Destination string
	// PET is true for a trap.
	PET bool
	// AckRequested is true for PushWithAck; Acked when the listener
	// answered with a wsman Ack related to the event.
	AckRequested, Acked bool
	// Status is the listener's HTTP status (WS-Eventing).
	Status int
	// MessageID is the alert's message ID.
	MessageID string
	Err       error
}

// Alert raises a and sends it now to every subscribed destination,
// returning one Delivery each and an error joining the failed ones.
// Destinations must be on loopback: the simulator sends nowhere else.
func (d *Device) Alert(ctx context.Context, a Alert) ([]Delivery, error) {
	d.mu.Lock()
	a, subs := d.prepareLocked(a)
	d.mu.Unlock()
	out := d.send(ctx, a, subs)
	var errs []error
	for _, o := range out {
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("amttest: alert to %s: %w", o.Destination, o.Err))
		}
	}
	return out, errors.Join(errs...)
}

// prepareLocked fills a's defaults and snapshots the destinations.
func (d *Device) prepareLocked(a Alert) (Alert, []Subscription) {
	if a.Severity == 0 {
		a.Severity = 2
	}
	if a.AlertType == 0 {
		a.AlertType = 5
	}
	if a.Time.IsZero() {
		a.Time = d.cfg.Now()
	}
	var subs []Subscription
	for _, s := range d.alerts.subs {
		subs = append(subs, *s)
	}
	if a.Record.EventType != 0 {
		for _, s := range d.alerts.pets {
			if d.sendsLocked(s.PolicyID, a.Record.SensorType, a.Record.EventType) {
				subs = append(subs, *s)
			}
		}
	}
	d.alerts.seq++
	return a, subs
}

// raiseLocked sends a in the background, as firmware does after the
// request that caused it was answered; [Device.WaitAlerts] waits for it
// and [Device.Deliveries] reports it.
func (d *Device) raiseLocked(a Alert) {
	a, subs := d.prepareLocked(a)
	if len(subs) == 0 {
		return
	}
	seq := d.alerts.seq
	d.pending.Add(1)
	go func() {
		defer d.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), deliveryTimeout)
		defer cancel()
		out := d.sendSeq(ctx, a, subs, seq)
		d.mu.Lock()
		d.deliveries = append(d.deliveries, out...)
		d.mu.Unlock()
	}()
}

// deliveryTimeout bounds one background alert.
const deliveryTimeout = 10 * time.Second

// WaitAlerts waits until the alerts raised by power events so far have
// been delivered (or failed).
func (d *Device) WaitAlerts() { d.pending.Wait() }

// Deliveries returns the outcomes of the alerts raised by power events,
// oldest first.
func (d *Device) Deliveries() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.deliveries)
}

func (d *Device) send(ctx context.Context, a Alert, subs []Subscription) []Delivery {
	d.mu.Lock()
	seq := d.alerts.seq
	d.mu.Unlock()
	return d.sendSeq(ctx, a, subs, seq)
}

func (d *Device) sendSeq(ctx context.Context, a Alert, subs []Subscription, seq uint16) []Delivery {
	out := make([]Delivery, 0, len(subs))
	for _, s := range subs {
		if s.PET {
			out = append(out, d.sendPET(ctx, s, a, seq))
		} else {
			out = append(out, d.push(ctx, s, a, seq))
		}
	}
	return out
}

// loopbackOnly refuses any destination that is not a loopback address.
func loopbackOnly(host string) error {
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("the simulator sends alerts to loopback addresses only, not %q", host)
}

// pushClient keeps no idle connections, so nothing outlives a delivery.
var pushClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: deliveryTimeout}

// push sends a to a WS-Eventing listener (DSP0226 §10.2.9) and checks the
// acknowledgement of a PushWithAck delivery.
func (d *Device) push(ctx context.Context, s Subscription, a Alert, seq uint16) Delivery {
	out := Delivery{Destination: s.Destination, AckRequested: s.WithAck, MessageID: a.MessageID}
	u, err := url.Parse(s.Destination)
	if err == nil {
		err = loopbackOnly(u.Hostname())
	}
	if err != nil {
		out.Err = err
		return out
	}
	r := wsmantest.Push(ctx, pushClient, wsmantest.Subscribe{Destination: s.Destination, WithAck: s.WithAck,
		ReferenceParameters: s.ReferenceParameters}, indication(a, seq))
	out.Status, out.Acked, out.Err = r.Status, r.Acked, r.Err
	return out
}

// indication renders a pushed CIM_AlertIndication as AMT sends it
// (reference amt_wsman.md §2(f): AlertType, MessageID, MessageArguments,
// PerceivedSeverity, IndicationTime, IndicationFilterName
// "Intel(r) AMT:AllEvents"); wsmantest.Push wraps it in the event envelope
// with the subscriber's reference parameters.
func indication(a Alert, seq uint16) *etree.Element {
	ind := etree.NewElement("h:CIM_AlertIndication")
	ind.CreateAttr("xmlns:h", wsman.CIMBase+"CIM_AlertIndication")
	ind.CreateAttr("xmlns:cim", "http://schemas.dmtf.org/wbem/wscim/1/common")
	ind.CreateElement("h:AlertType").SetText(strconv.Itoa(a.AlertType))
	ind.CreateElement("h:AlertingElementFormat").SetText("2")
	ind.CreateElement("h:AlertingManagedElement").SetText("Intel(r) AMT")
	ind.CreateElement("h:IndicationFilterName").SetText("Intel(r) AMT:AllEvents")
	ind.CreateElement("h:IndicationIdentifier").SetText("Intel(r):" + strconv.Itoa(int(seq)))
	ind.CreateElement("h:IndicationTime").CreateElement("cim:Datetime").SetText(a.Time.UTC().Format(time.RFC3339))
	if a.Message != "" {
		ind.CreateElement("h:Message").SetText(a.Message)
	}
	for _, arg := range a.Args {
		ind.CreateElement("h:MessageArguments").SetText(arg)
	}
	ind.CreateElement("h:MessageID").SetText(a.MessageID)
	ind.CreateElement("h:OwningEntity").SetText("Intel(r) AMT")
	ind.CreateElement("h:PerceivedSeverity").SetText(strconv.Itoa(a.Severity))
	ind.CreateElement("h:SystemCreationClassName").SetText("CIM_ComputerSystem")
	return ind
}

// PET layout constants (IPMI PET v1.0 §3.1, ASF 2.0 DSP0136): the v1
// enterprise, the one varbind, and Intel's IANA number (343).
const (
	petEnterprise = ".1.3.6.1.4.1.3183.1.1"
	petVarbind    = ".1.3.6.1.4.1.3183.1.1.1"
	intelIANA     = 343
)

// petEpoch is the origin of the PET timestamp: 1998-01-01 00:00.
var petEpoch = time.Date(1998, 1, 1, 0, 0, 0, 0, time.UTC)

// sendPET sends a as an SNMPv1 Platform Event Trap to the PET destination.
func (d *Device) sendPET(ctx context.Context, s Subscription, a Alert, seq uint16) Delivery {
	out := Delivery{Destination: s.Destination, PET: true, MessageID: a.MessageID}
	if err := loopbackOnly(s.Destination); err != nil {
		out.Err = err
		return out
	}
	community := s.community
	if community == "" {
		community = DefaultCommunity
	}
	deadline, ok := ctx.Deadline()
	timeout := deliveryTimeout
	if ok {
		timeout = time.Until(deadline)
	}
	g := &gosnmp.GoSNMP{Target: s.Destination, Port: uint16(d.cfg.PETPort), Version: gosnmp.Version1,
		Community: community, Timeout: timeout, Context: ctx, Logger: gosnmp.NewLogger(nil)}
	if err := g.Connect(); err != nil {
		out.Err = err
		return out
	}
	defer g.Conn.Close()
	r := a.Record
	_, err := g.SendTrap(gosnmp.SnmpTrap{
		Enterprise:   petEnterprise,
		AgentAddress: "127.0.0.1",
		GenericTrap:  6,
		SpecificTrap: int(uint32(r.SensorType)<<16 | uint32(r.EventType)<<8 | uint32(r.Offset)),
		Timestamp:    uint(time.Since(d.started) / (10 * time.Millisecond)),
		Variables: []gosnmp.SnmpPDU{{Name: petVarbind, Type: gosnmp.OctetString,
			Value: petData(d.cfg.GUID, seq, a.Time, r)}},
	})
	out.Err = err
	return out
}

// petData builds the 47-byte PET varbind: GUID, sequence, local timestamp
// (UTC, offset 0), trap and event source, severity, sensor device and
// number, entity and instance, event data, language (0x19 English), IANA
// manufacturer, system ID, and the 0xC1 end of the (empty) OEM field.
func petData(guid string, seq uint16, t time.Time, r Record) []byte {
	b := make([]byte, 0, 47)
	g, _ := hex.DecodeString(guid)
	g = append(g, make([]byte, 16)...)[:16]
	b = append(b, g...)
	b = binary.BigEndian.AppendUint16(b, seq)
	secs := uint32(0)
	if t.After(petEpoch) {
		secs = uint32(t.UTC().Sub(petEpoch) / time.Second)
	}
	b = binary.BigEndian.AppendUint32(b, secs)
	b = binary.BigEndian.AppendUint16(b, 0)
	src := r.SourceType
	if src == 0 {
		src = 0x68
	}
	b = append(b, src, src, r.Severity, r.DeviceAddress, r.SensorNumber, r.Entity, r.EntityInstance)
	b = append(b, r.Data[:]...)
	b = append(b, 0x19)
	b = binary.BigEndian.AppendUint32(b, intelIANA)
	b = binary.BigEndian.AppendUint16(b, 0)
	return append(b, 0xC1)
}

// powerAlert is the alert a power change raises: the Intel platform
// message for it (PLAT0272 power on, PLAT0282 restart, PLAT0276 soft
// power cycle, PLAT0362 soft off, PLAT0366 sleeping, PLAT0358 hibernate —
// Intel's WS-Event/PET message table, as in jsastriawan/lms8
// defaultAlerts.h) and the first record it logged.
func (d *Device) powerAlert(id, text string, r Record) Alert {
	return Alert{MessageID: id, Message: fmt.Sprintf(text, d.cfg.HostName), Args: []string{d.cfg.HostName},
		Severity: 2, Record: r}
}
