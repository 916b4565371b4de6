package wsmansim

import "time"

// Faults are the transport faults a simulated WS-Management device injects
// into its next requests (latency, a dropped or malformed answer, an
// oversize body, a wrong-auth storm, busy). The zero value injects nothing.
type Faults struct {
	// Latency delays every answer.
	Latency time.Duration
	// DropMidResponse writes half a response, then closes the connection.
	DropMidResponse bool
	// MalformedXML answers 200 with bytes that are not XML.
	MalformedXML bool
	// OversizeBytes answers 200 with a body of this many bytes.
	OversizeBytes int
	// WrongAuth answers 401 to everything (a wrong-auth storm).
	WrongAuth bool
	// Busy answers a Concurrency fault ("device busy").
	Busy bool
	// Actions restricts injection to these actions (suffix match); empty: all.
	Actions []string
	// Remaining counts down the requests to inject into; 0 means every one.
	Remaining int
}

// Counters are the requests, 401 challenges and TCP connections a
// simulated device saw.
type Counters struct {
	Requests, Unauthorized, Connections int64
}
