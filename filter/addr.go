package filter

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// AddrMatch matches IP addresses in one of three forms, as AMT's IP header
// filters do (HdrSrcAddress with HdrSrcMask, or with HdrSrcAddressEndOfRange):
//
//   - Addr alone: exactly that address;
//   - Addr and Mask: every address a with a&Mask == Addr&Mask (the mask may
//     be non-contiguous);
//   - Addr and End: the inclusive range Addr…End.
//
// The zero AddrMatch matches every address.
type AddrMatch struct {
	Addr, Mask, End netip.Addr
}

// Any reports whether m matches every address.
func (m AddrMatch) Any() bool { return !m.Addr.IsValid() }

// Prefix returns the AddrMatch of a CIDR prefix.
func Prefix(p netip.Prefix) AddrMatch {
	p = p.Masked()
	return AddrMatch{Addr: p.Addr(), Mask: prefixMask(p.Addr().BitLen(), p.Bits())}
}

// Range returns the AddrMatch of the inclusive range first…last.
func Range(first, last netip.Addr) AddrMatch { return AddrMatch{Addr: first, End: last} }

// Contains reports whether a is matched by m.
func (m AddrMatch) Contains(a netip.Addr) bool {
	switch {
	case m.Any():
		return true
	case a.BitLen() != m.Addr.BitLen():
		return false
	case m.End.IsValid():
		return m.Addr.Compare(a) <= 0 && a.Compare(m.End) <= 0
	case m.Mask.IsValid():
		return and(a, m.Mask) == and(m.Addr, m.Mask)
	}
	return a == m.Addr
}

// bounds returns the smallest and largest address m matches, and whether
// every address between them is matched (false for non-contiguous masks).
func (m AddrMatch) bounds() (lo, hi netip.Addr, contiguous bool) {
	switch {
	case m.End.IsValid():
		return m.Addr, m.End, true
	case m.Mask.IsValid():
		lo = and(m.Addr, m.Mask)
		hi = or(lo, not(m.Mask))
		_, ok := maskBits(m.Mask)
		return lo, hi, ok
	}
	return m.Addr, m.Addr, true
}

// covers reports whether every address matched by o is matched by m. It may
// answer false for exotic combinations of non-contiguous masks and ranges.
func (m AddrMatch) covers(o AddrMatch) bool {
	if m.Any() {
		return true
	}
	if o.Any() || m.Addr.BitLen() != o.Addr.BitLen() {
		return false
	}
	if m.Mask.IsValid() && o.Mask.IsValid() {
		// Every bit m fixes must be fixed by o to the same value.
		return and(m.Mask, not(o.Mask)) == zero(m.Mask) && and(o.Addr, m.Mask) == and(m.Addr, m.Mask)
	}
	olo, ohi, _ := o.bounds()
	if lo, hi, ok := m.bounds(); ok {
		return lo.Compare(olo) <= 0 && ohi.Compare(hi) <= 0
	}
	if olo == ohi {
		return m.Contains(olo)
	}
	return false
}

// String formats m the way the XML file writes it: "10.0.0.5",
// "10.0.0.0/8", "10.0.0.0/255.0.255.0", "10.0.0.1-10.0.0.20", or "" for any.
func (m AddrMatch) String() string {
	switch {
	case m.Any():
		return ""
	case m.End.IsValid():
		return m.Addr.String() + "-" + m.End.String()
	case m.Mask.IsValid():
		if bits, ok := maskBits(m.Mask); ok {
			return m.Addr.String() + "/" + strconv.Itoa(bits)
		}
		return m.Addr.String() + "/" + m.Mask.String()
	}
	return m.Addr.String()
}

// ParseAddrMatch parses the forms String writes. A mask of all ones (/32,
// /128) is stored as a plain address, so formatting is canonical.
func ParseAddrMatch(s string) (AddrMatch, error) {
	if s == "" {
		return AddrMatch{}, nil
	}
	if first, last, ok := strings.Cut(s, "-"); ok {
		a, err := netip.ParseAddr(first)
		if err != nil {
			return AddrMatch{}, err
		}
		b, err := netip.ParseAddr(last)
		if err != nil {
			return AddrMatch{}, err
		}
		if a.BitLen() != b.BitLen() {
			return AddrMatch{}, errors.New("range mixes IPv4 and IPv6")
		}
		if b.Less(a) {
			return AddrMatch{}, fmt.Errorf("range end %s is before its start %s", b, a)
		}
		return AddrMatch{Addr: a, End: b}, nil
	}
	addrText, maskText, hasMask := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addrText)
	if err != nil {
		return AddrMatch{}, err
	}
	if a.Zone() != "" {
		return AddrMatch{}, errors.New("zoned addresses are not supported")
	}
	if !hasMask {
		return AddrMatch{Addr: a}, nil
	}
	var mask netip.Addr
	if bits, err := strconv.Atoi(maskText); err == nil {
		if bits < 0 || bits > a.BitLen() {
			return AddrMatch{}, fmt.Errorf("prefix length %d out of range", bits)
		}
		mask = prefixMask(a.BitLen(), bits)
	} else {
		mask, err = netip.ParseAddr(maskText)
		if err != nil {
			return AddrMatch{}, fmt.Errorf("bad mask %q", maskText)
		}
		if mask.BitLen() != a.BitLen() {
			return AddrMatch{}, errors.New("mask and address are of different IP versions")
		}
	}
	return normalizeMask(AddrMatch{Addr: a, Mask: mask}), nil
}

// normalizeMask turns an all-ones mask into a plain address.
func normalizeMask(m AddrMatch) AddrMatch {
	if m.Mask.IsValid() {
		if bits, ok := maskBits(m.Mask); ok && bits == m.Mask.BitLen() {
			m.Mask = netip.Addr{}
		}
	}
	return m
}

func prefixMask(bitLen, bits int) netip.Addr {
	b := make([]byte, bitLen/8)
	for i := 0; i < bits; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// maskBits returns the prefix length of a contiguous mask.
func maskBits(mask netip.Addr) (int, bool) {
	b := mask.AsSlice()
	n, seenZero := 0, false
	for i := 0; i < len(b)*8; i++ {
		if b[i/8]&(0x80>>(i%8)) != 0 {
			if seenZero {
				return 0, false
			}
			n++
		} else {
			seenZero = true
		}
	}
	return n, true
}

func bytewise(a, b netip.Addr, f func(x, y byte) byte) netip.Addr {
	if a.Is4() {
		x, y := a.As4(), b.As4()
		for i := range x {
			x[i] = f(x[i], y[i])
		}
		return netip.AddrFrom4(x)
	}
	x, y := a.As16(), b.As16()
	for i := range x {
		x[i] = f(x[i], y[i])
	}
	return netip.AddrFrom16(x)
}

func and(a, b netip.Addr) netip.Addr { return bytewise(a, b, func(x, y byte) byte { return x & y }) }
func or(a, b netip.Addr) netip.Addr  { return bytewise(a, b, func(x, y byte) byte { return x | y }) }
func not(a netip.Addr) netip.Addr    { return bytewise(a, a, func(x, _ byte) byte { return ^x }) }
func zero(a netip.Addr) netip.Addr   { return bytewise(a, a, func(_, _ byte) byte { return 0 }) }
