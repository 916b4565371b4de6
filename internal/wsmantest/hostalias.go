package wsmantest

import "github.com/oobkit/oobkit/wsmansim"

// Host serves many devices on one listener (the public wsmansim type).
type Host = wsmansim.Host

// NewHost returns an empty Host; call Start before dialing.
func NewHost() *Host { return wsmansim.NewHost() }

// The server is what the simulators hand out as a wsmansim.Device.
var _ wsmansim.Device = (*Server)(nil)
