package redirecttest

import (
	"slices"
	"time"

	"github.com/oobkit/oobkit/redirect/internal/wire"
)

// slot is one running session, as the device tracks it.
type slot struct {
	kind Kind
	c    *devConn
}

// endWriteTimeout bounds the END_REDIRECTION_SESSION write to a client
// that does not read.
const endWriteTimeout = 2 * time.Second

// EndSessions ends every active session of the given kinds, as a device
// does when the feature is disabled in AMT_RedirectionService: the slots
// are free when it returns (a new session of the kind can start once the
// kind is enabled), sessions held by [Server.Occupy] are dropped, and each
// connected client gets END_REDIRECTION_SESSION (0x12) before its
// connection is closed. It returns how many sessions it ended.
//
// What real firmware sends to a console whose session it ends is not
// publicly documented; the simulator sends the protocol's own end message
// so that a client can tell "the device ended the session" from a lost
// connection (package redirect reports it as taken over).
func (s *Server) EndSessions(kinds ...Kind) int {
	s.mu.Lock()
	var victims []*slot
	for sl := range s.live {
		if slices.Contains(kinds, sl.kind) {
			delete(s.live, sl)
			s.active[sl.kind]--
			victims = append(victims, sl)
		}
	}
	n := len(victims)
	for _, k := range kinds {
		if k >= 0 && k < numKinds && s.held[k] > 0 {
			n += s.held[k]
			s.held[k] = 0
			s.heldGen[k]++
		}
	}
	s.mu.Unlock()
	for _, sl := range victims {
		sl.c.wmu.Lock()
		_ = sl.c.nc.SetWriteDeadline(time.Now().Add(endWriteTimeout))
		_, _ = sl.c.nc.Write([]byte{wire.OpEndSession, 0, 0, 0})
		sl.c.wmu.Unlock()
		_ = sl.c.raw.Close()
	}
	s.ended.Add(uint64(n))
	s.log.Debug("redirecttest: sessions ended by the device", "kinds", kinds, "ended", n)
	return n
}

// SetRedirectionState applies an AMT_RedirectionService.EnabledState to
// the redirection side: 32768 disables IDE-R and SOL, 32769 enables IDE-R
// only, 32770 SOL only, 32771 both (values as go-wsman-messages
// amt/redirection names them). A feature turned off ends its active
// sessions ([Server.SetEnabled]); other values are ignored. Its signature
// fits amttest.Config.OnRedirectionState, which links a simulated AMT
// device to its redirection side in tests.
func (s *Server) SetRedirectionState(enabledState uint16) {
	if enabledState < 32768 || enabledState > 32771 {
		return
	}
	bits := enabledState - 32768
	s.SetEnabled(IDER, bits&1 != 0)
	s.SetEnabled(SOL, bits&2 != 0)
}
