// Package traceroute traces the route from the management station to a
// computer: probes with a rising IP time-to-live, each answered by the
// router where it expired (ICMP Time Exceeded, RFC 792) until one reaches
// the computer. It is the RTSM console's "trace route", next to port check
// (package tasks, PortCheckTask).
//
// It needs no privilege. It sends ICMP echo requests on an unprivileged
// ICMP ("ping") socket where the kernel allows them to the caller's group
// (Linux: net.ipv4.ping_group_range), and UDP datagrams to unlikely ports
// otherwise, as tracepath does. Either way the routers' ICMP errors are read
// from the socket's error queue (IP_RECVERR, ip(7)), which needs no raw
// socket. When neither socket can be opened Trace fails with a
// [*SocketError].
package traceroute

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"

	"github.com/oobkit/oobkit"
)

// Method is how probes are sent.
type Method string

// The methods.
const (
	// Auto tries ICMP, then UDP.
	Auto Method = ""
	// ICMP sends echo requests on an unprivileged ICMP socket.
	ICMP Method = "icmp"
	// UDP sends datagrams to ports from 33434 up (the traditional
	// traceroute base); the computer answers port unreachable.
	UDP Method = "udp"
)

// Defaults.
const (
	DefaultMaxHops = 30
	DefaultTimeout = time.Second
	DefaultPort    = 33434
)

// Options tune a trace. The zero value is usable.
type Options struct {
	// Method: Auto (default), ICMP or UDP.
	Method Method
	// MaxHops is the largest TTL tried (default 30).
	MaxHops int
	// Timeout bounds the wait for each probe's answer (default 1 s).
	Timeout time.Duration
	// Port is the first UDP destination port (default 33434); probe n goes
	// to Port+n-1.
	Port int
}

// Hop is the answer to one probe.
type Hop struct {
	// TTL is the probe's time-to-live: the hop's number.
	TTL int `json:"ttl"`
	// Addr is who answered; invalid when nothing did before the timeout.
	Addr netip.Addr `json:"addr,omitzero"`
	// RTT is the time to the answer.
	RTT time.Duration `json:"rttNs,omitempty"`
	// Reply names the answer: "time-exceeded" (a router), "echo-reply" or
	// "port-unreachable" (the computer), "unreachable/N" (ICMP destination
	// unreachable code N), or "" (no answer).
	Reply string `json:"reply,omitempty"`
}

// String renders the hop as traceroute prints it.
func (h Hop) String() string {
	if !h.Addr.IsValid() {
		return fmt.Sprintf("%2d  *", h.TTL)
	}
	return fmt.Sprintf("%2d  %s  %.3f ms  %s", h.TTL, h.Addr, float64(h.RTT.Microseconds())/1000, h.Reply)
}

// Result is a trace.
type Result struct {
	Target netip.Addr `json:"target"`
	Method Method     `json:"method"`
	Hops   []Hop      `json:"hops"`
	// Reached says the last hop is the target.
	Reached bool `json:"reached"`
}

// SocketError says no probe socket could be opened: the kernel refuses
// ICMP sockets to this group (ping_group_range) and UDP failed too, or the
// method asked for is refused. It wraps [oobkit.ErrUnsupported].
type SocketError struct {
	// ICMP and UDP are why each socket failed (nil: not tried).
	ICMP, UDP error
}

// Error says which sockets failed and why, with the sysctl that lets
// unprivileged ICMP sockets in.
func (e *SocketError) Error() string {
	var parts []string
	if e.ICMP != nil {
		parts = append(parts, "ICMP socket: "+e.ICMP.Error()+" (unprivileged ICMP sockets need the group in net.ipv4.ping_group_range)")
	}
	if e.UDP != nil {
		parts = append(parts, "UDP socket: "+e.UDP.Error())
	}
	return "traceroute: unsupported: no probe socket: " + strings.Join(parts, "; ")
}

// Unwrap returns oobkit.ErrUnsupported and the socket errors.
func (e *SocketError) Unwrap() []error {
	out := []error{oobkit.ErrUnsupported}
	for _, err := range []error{e.ICMP, e.UDP} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// openSocket opens a probe socket; a variable for tests.
var openSocket = func(m Method) (int, error) {
	proto := unix.IPPROTO_UDP
	if m == ICMP {
		proto = unix.IPPROTO_ICMP
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_RECVERR, 1); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// Trace traces the route to host (a name or an IPv4 address). It returns
// the hops up to the one that answered for the computer, or MaxHops hops;
// ctx bounds the whole trace.
func Trace(ctx context.Context, host string, opts Options) (*Result, error) {
	if opts.MaxHops <= 0 {
		opts.MaxHops = DefaultMaxHops
	}
	if opts.MaxHops > 255 {
		opts.MaxHops = 255
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Port <= 0 {
		opts.Port = DefaultPort
	}
	if opts.Port+opts.MaxHops > 65535 {
		return nil, &oobkit.Error{Op: "traceroute", Class: oobkit.ErrInvalidArgument, Message: "port out of range"}
	}
	dst, err := resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	fd, method, err := open(opts.Method)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	res := &Result{Target: dst, Method: method, Hops: []Hop{}}
	for ttl := 1; ttl <= opts.MaxHops; ttl++ {
		if err := ctx.Err(); err != nil {
			return res, &oobkit.Error{Op: "traceroute", Message: "gave up", Err: err}
		}
		hop, stop, err := probe(ctx, fd, method, dst, ttl, opts)
		if err != nil {
			return res, err
		}
		res.Hops = append(res.Hops, hop)
		if stop {
			// The computer answered, or a router said it cannot be
			// reached (destination unreachable).
			res.Reached = hop.Addr == dst
			break
		}
	}
	return res, nil
}

func resolve(ctx context.Context, host string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.Unmap().Is4() {
			return netip.Addr{}, &oobkit.Error{Op: "traceroute", Class: oobkit.ErrUnsupported, Message: host + ": IPv6 is not traced yet"}
		}
		return a.Unmap(), nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
	if err != nil || len(addrs) == 0 {
		return netip.Addr{}, &oobkit.Error{Op: "traceroute", Class: oobkit.ErrUnreachable, Message: "cannot resolve " + host, Err: err}
	}
	return addrs[0].Unmap(), nil
}

func open(m Method) (int, Method, error) {
	switch m {
	case ICMP, UDP:
		fd, err := openSocket(m)
		if err != nil {
			se := &SocketError{}
			if m == ICMP {
				se.ICMP = err
			} else {
				se.UDP = err
			}
			return -1, m, se
		}
		return fd, m, nil
	case Auto:
		fd, ierr := openSocket(ICMP)
		if ierr == nil {
			return fd, ICMP, nil
		}
		fd, uerr := openSocket(UDP)
		if uerr == nil {
			return fd, UDP, nil
		}
		return -1, Auto, &SocketError{ICMP: ierr, UDP: uerr}
	}
	return -1, m, &oobkit.Error{Op: "traceroute", Class: oobkit.ErrInvalidArgument, Message: fmt.Sprintf("unknown method %q (icmp, udp)", m)}
}

// probe sends the probe of ttl and waits for its answer; stop says the
// trace ends here (an answer from the computer, or destination
// unreachable).
func probe(ctx context.Context, fd int, m Method, dst netip.Addr, ttl int, opts Options) (Hop, bool, error) {
	hop := Hop{TTL: ttl}
	drain(fd)
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL, ttl); err != nil {
		return hop, false, &oobkit.Error{Op: "traceroute", Class: oobkit.ErrInternal, Message: "set TTL", Err: err}
	}
	sa := &unix.SockaddrInet4{Addr: dst.As4()}
	var payload []byte
	if m == ICMP {
		msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: 0, Seq: ttl, Data: []byte("oobkit traceroute")}}
		b, err := msg.Marshal(nil)
		if err != nil {
			return hop, false, err
		}
		payload = b
	} else {
		sa.Port = opts.Port + ttl - 1
		payload = []byte{byte(ttl), 'o', 'o', 'b', 'k', 'i', 't'}
	}
	sent := time.Now()
	if err := unix.Sendto(fd, payload, 0, sa); err != nil {
		if errors.Is(err, unix.EHOSTUNREACH) || errors.Is(err, unix.ENETUNREACH) {
			return hop, false, &oobkit.Error{Op: "traceroute", Class: oobkit.ErrUnreachable, Message: "no route to " + dst.String(), Err: err}
		}
		return hop, false, &oobkit.Error{Op: "traceroute", Class: oobkit.ErrDevice, Message: "send", Err: err}
	}
	deadline := sent.Add(opts.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for {
		wait := time.Until(deadline)
		if wait <= 0 || ctx.Err() != nil {
			return hop, false, nil // no answer: "*"
		}
		// Poll in slices so a cancelled ctx is noticed.
		ms := int(min(wait, 100*time.Millisecond) / time.Millisecond)
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, max(ms, 1))
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return hop, false, &oobkit.Error{Op: "traceroute", Class: oobkit.ErrInternal, Message: "poll", Err: err}
		}
		if n == 0 {
			continue
		}
		if pfd[0].Revents&unix.POLLERR != 0 {
			if a, reply, reached, ok := readErr(fd, m, ttl); ok {
				hop.Addr, hop.Reply, hop.RTT = a, reply, time.Since(sent)
				return hop, reached, nil
			}
		}
		if pfd[0].Revents&unix.POLLIN != 0 {
			if a, reply, ok := readReply(fd, m, dst, ttl); ok {
				hop.Addr, hop.Reply, hop.RTT = a, reply, time.Since(sent)
				return hop, true, nil
			}
		}
	}
}

// drain discards answers left from earlier probes.
func drain(fd int) {
	buf := make([]byte, 512)
	oob := make([]byte, 512)
	for range 64 {
		if _, _, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT); err != nil {
			break
		}
	}
	for range 64 {
		if _, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT); err != nil {
			break
		}
	}
}

// readReply reads a normal answer: an echo reply (ICMP) or a datagram back
// from the computer (UDP). The socket is not connected, so anyone may send
// to it: only an answer from dst counts.
func readReply(fd int, m Method, dst netip.Addr, ttl int) (netip.Addr, string, bool) {
	buf := make([]byte, 1500)
	n, from, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
	if err != nil {
		return netip.Addr{}, "", false
	}
	sa, ok := from.(*unix.SockaddrInet4)
	if !ok {
		return netip.Addr{}, "", false
	}
	src := netip.AddrFrom4(sa.Addr)
	reply, ok := matchReply(m, dst, src, buf[:n], ttl)
	return src, reply, ok
}

// matchReply says whether a datagram from src holding b answers the probe
// of ttl sent to dst, and names it. A datagram from any other address is
// not the computer's answer, whatever it holds.
func matchReply(m Method, dst, src netip.Addr, b []byte, ttl int) (string, bool) {
	if src != dst {
		return "", false
	}
	if m == ICMP {
		msg, err := icmp.ParseMessage(1, b)
		if err != nil || msg.Type != ipv4.ICMPTypeEchoReply {
			return "", false
		}
		if e, ok := msg.Body.(*icmp.Echo); !ok || e.Seq != ttl {
			return "", false
		}
		return "echo-reply", true
	}
	return "udp-reply", true
}

// readErr reads one ICMP error from the socket's error queue (ip(7),
// IP_RECVERR: a struct sock_extended_err followed by the offender's
// address) and says whether it answers the probe of ttl.
func readErr(fd int, m Method, ttl int) (netip.Addr, string, bool, bool) {
	buf := make([]byte, 512)
	oob := make([]byte, 512)
	n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
	if err != nil {
		return netip.Addr{}, "", false, false
	}
	if !isProbe(m, buf[:n], ttl) {
		return netip.Addr{}, "", false, false
	}
	cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return netip.Addr{}, "", false, false
	}
	for _, c := range cmsgs {
		addr, reply, reached, ok := parseExtendedErr(c.Header.Level, c.Header.Type, c.Data)
		if ok {
			return addr, reply, reached, true
		}
	}
	return netip.Addr{}, "", false, false
}

// isProbe says whether b, the payload an ICMP error sent back, is the
// probe of ttl: the echo request (its sequence number, bytes 6-7, is the
// TTL) or the UDP payload (its first byte is the TTL). A payload too short
// to hold the TTL answers no probe: an error for an earlier probe must not
// be taken for this one's.
func isProbe(m Method, b []byte, ttl int) bool {
	switch m {
	case ICMP:
		return len(b) >= 8 && int(binary.BigEndian.Uint16(b[6:8])) == ttl
	case UDP:
		return len(b) >= 1 && int(b[0]) == ttl&0xff
	}
	return false
}

// Extended error origins and ICMP types (linux/errqueue.h, RFC 792).
const (
	eeOriginICMP     = 2
	icmpUnreachable  = 3
	icmpTimeExceeded = 11
	codePortUnreach  = 3
	sizeofExtErr     = 16
)

// parseExtendedErr decodes one IP_RECVERR control message: struct
// sock_extended_err { u32 ee_errno; u8 ee_origin, ee_type, ee_code, ee_pad;
// u32 ee_info, ee_data; } then the offender's struct sockaddr_in.
func parseExtendedErr(level, typ int32, data []byte) (netip.Addr, string, bool, bool) {
	if level != unix.IPPROTO_IP || typ != unix.IP_RECVERR || len(data) < sizeofExtErr+8 {
		return netip.Addr{}, "", false, false
	}
	origin, icmpType, code := data[4], data[5], data[6]
	if origin != eeOriginICMP {
		return netip.Addr{}, "", false, false
	}
	off := data[sizeofExtErr:]
	if binary.NativeEndian.Uint16(off[0:2]) != unix.AF_INET {
		return netip.Addr{}, "", false, false
	}
	addr := netip.AddrFrom4([4]byte(off[4:8]))
	switch icmpType {
	case icmpTimeExceeded:
		return addr, "time-exceeded", false, true
	case icmpUnreachable:
		if code == codePortUnreach {
			return addr, "port-unreachable", true, true
		}
		return addr, fmt.Sprintf("unreachable/%d", code), true, true
	}
	return addr, fmt.Sprintf("icmp/%d/%d", icmpType, code), false, true
}

// String summarises the trace on one line: "reached 192.0.2.9 in 2 hops:
// 198.18.1.2 0.1 ms, 192.0.2.9 0.2 ms".
func (r *Result) String() string {
	var b strings.Builder
	if r.Reached {
		fmt.Fprintf(&b, "reached %s in %d hops", r.Target, len(r.Hops))
	} else {
		fmt.Fprintf(&b, "did not reach %s (%d hops)", r.Target, len(r.Hops))
	}
	for i, h := range r.Hops {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		if !h.Addr.IsValid() {
			b.WriteString("*")
			continue
		}
		fmt.Fprintf(&b, "%s %.1f ms", h.Addr, float64(h.RTT.Microseconds())/1000)
		if h.Reply != "time-exceeded" && h.Reply != "echo-reply" && h.Reply != "port-unreachable" {
			b.WriteString(" (" + h.Reply + ")")
		}
	}
	return b.String()
}
