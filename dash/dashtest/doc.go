// Package dashtest is a simulated DASH computer, like net/http/httptest for
// package dash: a stateful WS-Management device (built on
// internal/wsmantest) with configurable registered profiles, a DSP1027 power
// state machine, DSP1012 boot sources and boot configuration roles, DSP1061
// BIOS attributes guarded by an administrator password and a system
// (power-on) password (pending values applied at the next boot), inventory classes, and DSP1054 indication
// filters and subscriptions that deliver alerts to a subscribed listener
// with Push or PushWithAck (checking the listener's Ack).
//
// Fault injection: [Computer.SetFaults] (latency, dropped connections,
// malformed XML, wrong-auth storms, busy faults from wsmantest) and
// [Computer.InjectReturnValue] (a method's next ReturnValues).
//
// One computer serves itself with [Computer.Start]; many share one listener
// through [Computer.AddTo] a wsmansim.Host.
package dashtest
