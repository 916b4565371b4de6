// Package wsmansim holds what oobkit's WS-Management simulators (amttest,
// dashtest, wmitest) share in their public API: the transport [Faults] a
// simulated device injects, the [Counters] of what it saw, and [Host], one
// loopback listener serving many simulated devices chosen by the HTTP Host
// header, so a test can build a fleet of thousands of devices on one socket.
//
// Simulators are for tests: they listen on 127.0.0.1 only.
package wsmansim
