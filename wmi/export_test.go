package wmi

// The decoders take the internal wsman.Instance, so they are unexported;
// the external fuzz test reaches them through these names.
var (
	DecodeEvent     = decodeEvent
	DecodeInventory = decodeInventory
	DecodeProcess   = decodeProcess
	DecodeService   = decodeService
)
