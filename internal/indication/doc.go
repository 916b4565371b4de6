// Package indication is a WS-Eventing event sink (DSP0226 §10, DSP1054): an
// HTTP listener that receives CIM indications pushed by DASH computers and
// Intel AMT devices, turns each into an [oobkit.Event], and answers
// PushWithAck deliveries with the wsman Ack action so the device knows the
// event arrived.
//
// [Parse] reads one delivery (a single pushed event or a batched wsman:Events
// body) from the network; it is fuzzed. [Listener] is the HTTP side: give it
// a handler function or read its Events channel. Protocol packages (dash,
// amt) subscribe devices with reference parameters [RefTarget] and
// [RefProtocol] so that every event says which computer and protocol sent it.
package indication
