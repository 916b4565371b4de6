package amt_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// stateLog records the EnabledState values the device applied.
type stateLog struct {
	mu     sync.Mutex
	states []uint16
	hook   func(st uint16) // run on each change, after recording
}

func (l *stateLog) record(st uint16) {
	l.mu.Lock()
	l.states = append(l.states, st)
	h := l.hook
	l.mu.Unlock()
	if h != nil {
		h(st)
	}
}

func (l *stateLog) got() []uint16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]uint16(nil), l.states...)
}

func startTakeOver(t *testing.T) (*amttest.Server, *amt.Client, *stateLog) {
	t.Helper()
	log := &stateLog{}
	srv, c := start(t, amttest.Config{OnRedirectionState: log.record})
	return srv, c, log
}

// TestEndRedirectionSessions: the RTSM guide warns, for SOL, "If there is
// already an active SOL session, it is terminated when the task runs." and
// for IDE-R "If there is already an active IDE-R session, it is terminated
// when the task runs." The client ends it the way AMT offers: disable the
// kind in AMT_RedirectionService (which ends its active sessions), confirm,
// and enable it again.
func TestEndRedirectionSessions(t *testing.T) {
	tests := []struct {
		name     string
		start    amt.RedirectionSettings
		kinds    amt.RedirectionKinds
		before   int
		during   int
		ended    amt.RedirectionKinds
		requests []uint16
	}{
		{"SOL of both", amt.RedirectionSettings{SOL: true, IDER: true}, amt.RedirectSOL, 32771, 32769, amt.RedirectSOL, []uint16{32769, 32771}},
		{"IDE-R of both", amt.RedirectionSettings{SOL: true, IDER: true}, amt.RedirectIDER, 32771, 32770, amt.RedirectIDER, []uint16{32770, 32771}},
		{"both", amt.RedirectionSettings{SOL: true, IDER: true}, amt.RedirectSOL | amt.RedirectIDER, 32771, 32768, amt.RedirectSOL | amt.RedirectIDER, []uint16{32768, 32771}},
		{"IDE-R only enabled", amt.RedirectionSettings{IDER: true}, amt.RedirectIDER, 32769, 32768, amt.RedirectIDER, []uint16{32768, 32769}},
		{"a disabled kind has no session: nothing changes", amt.RedirectionSettings{SOL: true}, amt.RedirectIDER, 32770, 32770, 0, []uint16{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, log := startTakeOver(t)
			ctx := context.Background()
			tc.start.Listener = true
			require.NoError(t, c.SetRedirection(ctx, tc.start))
			setup := len(log.got())

			to, err := c.EndRedirectionSessions(ctx, tc.kinds)
			require.NoError(t, err)
			assert.Equal(t, amt.TakeOver{Before: tc.before, During: tc.during, Ended: tc.ended, Restored: tc.ended != 0}, to)
			assert.Equal(t, tc.requests, log.got()[setup:], "disabled, then the previous state requested again")
			got := srv.Redirection()
			assert.Equal(t, tc.start.SOL, got.SOL, "SOL restored")
			assert.Equal(t, tc.start.IDER, got.IDER, "IDE-R restored")
		})
	}
}

// TestEndRedirectionSessionsAlwaysRestores: once the disable is requested,
// the previous state is requested again whatever fails after it, even
// when the caller's context has ended.
func TestEndRedirectionSessionsAlwaysRestores(t *testing.T) {
	t.Run("the confirming read fails", func(t *testing.T) {
		srv, c, log := startTakeOver(t)
		log.hook = func(st uint16) {
			if st == 32769 {
				srv.Handler().SetFaults(wsmantest.Faults{MalformedXML: true, Actions: []string{"/Get"}, Remaining: 1})
			}
		}
		to, err := c.EndRedirectionSessions(context.Background(), amt.RedirectSOL)
		requireClass(t, err, oobkit.ErrProtocol)
		assert.True(t, to.Restored)
		assert.Equal(t, []uint16{32769, 32771}, log.got())
		assert.Equal(t, amttest.RedirectionSettings{SOL: true, IDER: true, KVM: true, Listener: true}, srv.Redirection())
	})

	t.Run("the context ends after the disable", func(t *testing.T) {
		srv, c, log := startTakeOver(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		log.hook = func(st uint16) {
			if st == 32770 {
				cancel()
			}
		}
		to, err := c.EndRedirectionSessions(ctx, amt.RedirectIDER)
		require.ErrorIs(t, err, context.Canceled)
		assert.True(t, to.Restored, "restored with a context of its own")
		assert.Equal(t, []uint16{32770, 32771}, log.got())
		assert.True(t, srv.Redirection().IDER)
	})

	t.Run("the restore fails: the error says so", func(t *testing.T) {
		srv, c, log := startTakeOver(t)
		log.hook = func(st uint16) {
			if st == 32769 {
				srv.Handler().SetFaults(wsmantest.Faults{MalformedXML: true, Actions: []string{"RequestStateChange"}, Remaining: 1})
			}
		}
		to, err := c.EndRedirectionSessions(context.Background(), amt.RedirectSOL)
		requireClass(t, err, oobkit.ErrProtocol)
		assert.Contains(t, err.Error(), "restoring AMT_RedirectionService EnabledState 32771")
		assert.False(t, to.Restored)
		assert.Equal(t, amt.TakeOver{Before: 32771, During: 32769, Ended: amt.RedirectSOL}, to)
	})
}

func TestRedirectionKindsString(t *testing.T) {
	assert.Equal(t, "sol", amt.RedirectSOL.String())
	assert.Equal(t, "ider", amt.RedirectIDER.String())
	assert.Equal(t, "ider+sol", (amt.RedirectSOL | amt.RedirectIDER).String())
	assert.Equal(t, "none", amt.RedirectionKinds(0).String())
}
