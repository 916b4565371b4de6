package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/oobkit/oobkit"
)

// probeIPMI: an RMCP Presence Ping (a BMC's pong sets "IPMI supported",
// DSP0136 §3.2.4.3) and Get Channel Authentication Capabilities (IPMI
// v2.0 §22.13), which every BMC answers outside a session and which says
// whether IPMI v2.0 (RMCP+) is there, the v1.5 authentication types and
// whether anonymous login is enabled.
func probeIPMI(ctx context.Context, addr string, cfg Config) Finding {
	f := Finding{Details: map[string]string{}}
	if c, err := asfClient(addr, oobkit.IPMI, cfg, oobkit.Credential{}); err == nil {
		pong, err := c.Ping(ctx)
		_ = c.Close()
		switch {
		case err != nil:
			f.Class = oobkit.ClassName(err)
		case pong.IPMI:
			f.Present = true
			f.Details["pong"] = "ipmi"
		default:
			f.Details["pong"] = "no ipmi"
		}
	}
	if f.Class == oobkit.ClassName(oobkit.ErrUnreachable) && ctx.Err() != nil {
		return f // silent: the time is spent
	}
	caps, err := channelAuthCapabilities(ctx, addr, cfg.port(oobkit.IPMI, false), cfg.Timeout/3)
	if err != nil {
		if !f.Present {
			f.Class = oobkit.ClassName(err)
		}
		return f
	}
	f.Present, f.Class = true, ""
	f.Ports = []int{cfg.port(oobkit.IPMI, false)}
	f.Version = caps.version()
	f.State = "answering"
	f.Details["authTypes"] = caps.authTypes()
	f.Details["anonymousLogin"] = strconv.FormatBool(caps.anonymous)
	return f
}

// chanCaps is a Get Channel Authentication Capabilities response.
type chanCaps struct {
	channel   byte
	authMask  byte
	ipmi20    bool
	ipmi15    bool
	anonymous bool
}

func (c chanCaps) version() string {
	if c.ipmi20 {
		return "2.0"
	}
	return "1.5"
}

func (c chanCaps) authTypes() string {
	var names []string
	for _, t := range []struct {
		bit  uint
		name string
	}{{0, "none"}, {1, "md2"}, {2, "md5"}, {4, "password"}, {5, "oem"}} {
		if c.authMask&(1<<t.bit) != 0 {
			names = append(names, t.name)
		}
	}
	return strings.Join(names, ",")
}

// channelAuthRequest is Get Channel Authentication Capabilities in an RMCP
// (class 07h, IPMI) datagram with an IPMI v1.5 session header outside a
// session (IPMI v2.0 §13.6: authentication type none, sequence and session
// ID 0): NetFn App (06h), command 38h, data "8Eh" (bit 7: report IPMI v2.0
// extended capabilities; channel Eh: this channel) and "04h" (Administrator).
func channelAuthRequest(seq byte) []byte {
	msg := []byte{0x20, 0x06 << 2, 0, 0x81, seq << 2, 0x38, 0x8E, 0x04, 0}
	msg[2] = checksum(msg[0:2])
	msg[8] = checksum(msg[3:8])
	b := []byte{0x06, 0x00, 0xFF, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, byte(len(msg))}
	return append(b, msg...)
}

// checksum is the IPMI 2's-complement checksum (§13.8).
func checksum(b []byte) byte {
	var s byte
	for _, v := range b {
		s += v
	}
	return -s
}

var errNotIPMI = errors.New("not an IPMI answer")

// parseChannelAuth reads the response to channelAuthRequest.
func parseChannelAuth(b []byte) (chanCaps, error) {
	if len(b) < 14 || b[0] != 0x06 || b[3]&0x1F != 0x07 {
		return chanCaps{}, errNotIPMI
	}
	i := 4
	authType := b[i]
	i += 9 // auth type, sequence (4), session ID (4)
	if authType != 0 {
		i += 16 // authentication code
	}
	if len(b) <= i {
		return chanCaps{}, errNotIPMI
	}
	n := int(b[i])
	i++
	if len(b) < i+n || n < 7+8 {
		return chanCaps{}, errNotIPMI
	}
	m := b[i : i+n]
	if m[1]>>2 != 0x07 || m[5] != 0x38 {
		return chanCaps{}, errNotIPMI
	}
	if m[6] != 0 {
		return chanCaps{}, &oobkit.Error{Protocol: oobkit.IPMI, Op: "Get Channel Authentication Capabilities", Class: oobkit.ErrDevice,
			DeviceCode: fmt.Sprintf("0x%02x", m[6])}
	}
	d := m[7:]
	return chanCaps{channel: d[0], authMask: d[1] & 0x3F, anonymous: d[2]&0x01 != 0,
		ipmi20: d[1]&0x80 != 0 && d[3]&0x02 != 0, ipmi15: d[3]&0x01 != 0 || d[1]&0x80 == 0}, nil
}

// channelAuthCapabilities sends the request up to three times, each
// waiting at most wait, and reads the first IPMI answer.
func channelAuthCapabilities(ctx context.Context, addr string, port int, wait time.Duration) (chanCaps, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return chanCaps{}, &oobkit.Error{Protocol: oobkit.IPMI, Op: "Get Channel Authentication Capabilities", Class: oobkit.ErrUnreachable, Err: err}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 512)
	var lastErr error = oobkit.ErrUnreachable
	for attempt := byte(1); attempt <= 3; attempt++ {
		deadline := time.Now().Add(wait)
		if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
			deadline = dl
		}
		_ = conn.SetReadDeadline(deadline)
		if ctx.Err() != nil {
			break
		}
		if _, err := conn.Write(channelAuthRequest(attempt)); err != nil {
			lastErr = err
			break
		}
		n, err := conn.Read(buf)
		if err != nil {
			lastErr = err
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			break
		}
		caps, err := parseChannelAuth(buf[:n])
		if err == nil {
			return caps, nil
		}
		var oe *oobkit.Error
		if errors.As(err, &oe) {
			return chanCaps{}, err
		}
		return chanCaps{}, &oobkit.Error{Protocol: oobkit.IPMI, Op: "Get Channel Authentication Capabilities", Class: oobkit.ErrNotDetected, Err: err}
	}
	return chanCaps{}, &oobkit.Error{Protocol: oobkit.IPMI, Op: "Get Channel Authentication Capabilities", Class: oobkit.ErrUnreachable, Err: lastErr}
}
