package wsmansim

import (
	"net"
	"net/http"
)

// Device is one simulated WS-Management device as a test drives it: an
// http.Handler to serve (alone, or on a [Host]) with fault injection and
// counters. amttest, dashtest and wmitest hand it out.
type Device interface {
	http.Handler
	// SetFaults injects f into the next requests.
	SetFaults(f Faults)
	// Counters returns what the device saw so far.
	Counters() Counters
	// ConnState counts connections; set it as the ConnState of an
	// http.Server serving the device so Counters().Connections is right.
	ConnState(c net.Conn, st http.ConnState)
	// SetIgnoreOptimize makes the device ignore the OptimizeEnumeration
	// option of an Enumerate (DSP0226 §8.2.3), as some firmware does, so
	// every item comes through Pull.
	SetIgnoreOptimize(on bool)
}
