// Package wseventing is a WS-Eventing event sink (DSP0226 §10, DSP1054): an
// HTTP listener that receives CIM indications pushed by DASH computers and
// Intel AMT devices, turns each into an [oobkit.Event], and answers
// PushWithAck deliveries with the wsman Ack action so the device knows the
// event arrived.
//
// [Parse] reads one delivery (a single pushed event or a batched wsman:Events
// body) from the network; it is fuzzed. [Listener] is the HTTP side: give it
// a handler function or read its Events channel. Protocol packages (dash,
// amt) subscribe devices with reference parameters [RefTarget] and
// [RefProtocol] so that every event says which computer and protocol sent it:
// one listener serves a mixed fleet.
//
//	l := wseventing.New()               // events without RefProtocol say Source dash
//	_ = l.Start("127.0.0.1:0")
//	c.ApplyAlerts(ctx, oobkit.AlertConfig{Destinations: []oobkit.AlertDestination{
//		{Delivery: oobkit.DeliveryPushWithAck, Address: l.URL()}}}) // c: an amt or dash client
//	ev := <-l.Events()
//
// DSP0226 (WS-Management): https://www.dmtf.org/dsp/DSP0226
// DSP1054 (Indications profile): https://www.dmtf.org/dsp/DSP1054
package wseventing
