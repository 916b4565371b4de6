package snmp

import (
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/oobkit/oobkit"
)

// SNMP engine limits (RFC 3411 §5 SnmpEngineID, RFC 3414 §2.2.1).
const (
	minEngineIDLen = 5
	maxEngineIDLen = 32
	// maxEngineBoots is the value at which snmpEngineBoots latches; an
	// engine whose boots reached it accepts no authenticated message.
	maxEngineBoots = 2147483647
	// timeWindow is how far (seconds) an authenticated message's
	// msgAuthoritativeEngineTime may be from the local engine time.
	timeWindow = 150
)

// bootsEpoch is where the default snmpEngineBoots of a configured engine ID
// counts seconds from (see [WithEngineID]).
var bootsEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// localEngine is the listener's own SNMP engine: the authoritative engine
// for the v3 informs sent to it (RFC 3414 §3.2, §4).
type localEngine struct {
	id    string // snmpEngineID, 5..32 octets
	boots uint32 // snmpEngineBoots
	start time.Time

	// RFC 3414 usmStats counters reported in Report PDUs.
	unknownEngineIDs atomic.Uint32
	notInTimeWindows atomic.Uint32
}

// newLocalEngine builds the engine from the options: a configured ID, or a
// random one (RFC 3411 format 5, "octets", under enterprise 0).
func newLocalEngine(id []byte, boots uint32, now time.Time) (*localEngine, error) {
	if id == nil {
		id = make([]byte, 17)
		copy(id, []byte{0x80, 0x00, 0x00, 0x00, 0x05})
		if _, err := rand.Read(id[5:]); err != nil {
			return nil, err
		}
		if boots == 0 {
			boots = 1
		}
	}
	if boots == 0 {
		boots = defaultBoots(now)
	}
	return &localEngine{id: string(id), boots: boots, start: now}, nil
}

// defaultBoots gives a configured engine ID a snmpEngineBoots that grows
// across restarts without storage: whole seconds since bootsEpoch.
func defaultBoots(now time.Time) uint32 {
	s := int64(now.Sub(bootsEpoch) / time.Second)
	switch {
	case s < 1:
		return 1
	case s >= maxEngineBoots:
		return maxEngineBoots - 1
	}
	return uint32(s)
}

// engineTime is snmpEngineTime: seconds since the listener started.
func (e *localEngine) engineTime() uint32 {
	s := time.Since(e.start) / time.Second
	if s >= maxEngineBoots {
		return maxEngineBoots
	}
	return uint32(s)
}

// inTimeWindow is the RFC 3414 §3.2 step 7a check for a message sent to
// this (authoritative) engine.
func (e *localEngine) inTimeWindow(boots, t uint32) bool {
	if e.boots == maxEngineBoots || boots != e.boots {
		return false
	}
	d := int64(t) - int64(e.engineTime())
	return d >= -timeWindow && d <= timeWindow
}

// WithEngineID sets the listener's SNMP engine ID (5 to 32 octets, RFC 3411
// §5), the authoritative engine that v3 informs are sent to and whose ID
// the USM keys are localized with. Senders cache it, so a deployment that
// restarts the listener should keep it stable. Its snmpEngineBoots is then
// [WithEngineBoots], or by default the seconds since 2020-01-01 UTC, which
// grows on every restart as RFC 3414 §2.2.2 requires. Without this option
// the listener makes up a random engine ID at each Listen, with boots 1.
func WithEngineID(id []byte) ListenerOption {
	return func(c *listenerConfig) error {
		if len(id) < minEngineIDLen || len(id) > maxEngineIDLen {
			return fmt.Errorf("%w: SNMP engine ID must be %d to %d octets, got %d",
				oobkit.ErrInvalidArgument, minEngineIDLen, maxEngineIDLen, len(id))
		}
		c.engineID = append([]byte(nil), id...)
		return nil
	}
}

// WithEngineBoots sets snmpEngineBoots for a caller that persists it
// (increment it at every start). 1 to 2147483646.
func WithEngineBoots(boots uint32) ListenerOption {
	return func(c *listenerConfig) error {
		if boots < 1 || boots >= maxEngineBoots {
			return fmt.Errorf("%w: SNMP engine boots %d out of range", oobkit.ErrInvalidArgument, boots)
		}
		c.engineBoots = boots
		return nil
	}
}

// EngineID returns the listener's SNMP engine ID (the one v3 informs must
// be sent to, e.g. snmpinform -e).
func (l *Listener) EngineID() []byte { return []byte(l.engine.id) }

// EngineBoots returns the listener's snmpEngineBoots.
func (l *Listener) EngineBoots() uint32 { return l.engine.boots }
