// Package wsman is oobkit's one WS-Management client (DSP0226), used by the
// amt, dash and wmi packages.
//
// Envelopes are built and read with etree, so user strings are escaped by
// construction. Operations: [Client.Identify], [Client.Get], [Client.Put],
// [Client.Create], [Client.Delete], [Client.Enumerate] (optimized
// enumeration, then Pull until EndOfSequence), [Client.Invoke] (custom
// methods), [Client.Subscribe] and [Client.Unsubscribe] (WS-Eventing).
// SOAP faults become a [*Fault] wrapped in an [*oobkit.Error] of the right
// class (errors.Is(err, oobkit.ErrAuth) …).
//
// The transport is net/http with keep-alive; authentication is digest (with
// nonce reuse, so a steady-state call costs one HTTP request), basic or NTLM;
// TLS verification is on unless the credential turns it off explicitly, with
// SHA-256 certificate pinning and a legacy-cipher opt-in for old AMT firmware.
// Responses are read through a size cap. A Client serialises its requests,
// because management controllers handle one request at a time best; it is safe
// for concurrent use.
package wsman
