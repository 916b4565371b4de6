package tasks

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit"
)

// lacksClient is a client that offers no capability (as the redirection
// client offers no power control).
type lacksClient struct{ p oobkit.Protocol }

func (c lacksClient) Protocol() oobkit.Protocol { return c.p }
func (lacksClient) Close() error                { return nil }

// TestPrecedenceNeverHidesUnreachableOrAuth: which failure a step reports
// when every protocol of a target failed (the order [Env.Each] documents).
func TestPrecedenceNeverHidesUnreachableOrAuth(t *testing.T) {
	labelled := func(ps ...oobkit.Protocol) Option {
		return WithTargetProtocols(func(oobkit.Target) []oobkit.Protocol { return ps })
	}
	status := &Job{Name: "status", Steps: []Step{{Task: &PowerStateTask{}}}}
	softOff := &Job{Name: "soft off", Steps: []Step{{Task: &PowerTask{Action: oobkit.ActionShutdown, NoHardFallback: true}}}}
	tests := []struct {
		name         string
		setup        func(*fakeDevice)
		labels       Option // nil: every registered protocol is tried
		job          *Job
		wantClass    string
		wantAttempts int
	}{
		{"amt,redirection: amt unreachable, the redirection client lacks power", func(d *fakeDevice) { delete(d.protocols, oobkit.AMT) },
			labelled(oobkit.AMT, oobkit.Redirection), status, "unreachable", 3},
		{"amt,redirection: amt unreachable once, then answers", func(d *fakeDevice) { d.dropLeft = 1 },
			labelled(oobkit.AMT, oobkit.Redirection), status, "ok", 2},
		{"amt,redirection: amt refuses the credential", func(d *fakeDevice) { d.protocols[oobkit.AMT] = "other" },
			labelled(oobkit.AMT, oobkit.Redirection), status, "auth", 1},
		{"redirection,amt: the order does not matter", func(d *fakeDevice) { delete(d.protocols, oobkit.AMT) },
			labelled(oobkit.Redirection, oobkit.AMT), status, "unreachable", 3},
		{"amt,ipmi: amt unreachable, ipmi's device lacks graceful off", func(d *fakeDevice) {
			delete(d.protocols, oobkit.AMT)
			d.protocols[oobkit.IPMI] = "good"
		}, labelled(oobkit.AMT, oobkit.IPMI), softOff, "unreachable", 3},
		// Unlabelled, every registered protocol is tried: one that does not
		// answer is probably absent; with neither WMI nor AMT answering there
		// is no graceful shutdown here (IPMI acts hard only, as the guide
		// has it), which tells more.
		{"unlabelled: ipmi's device lacks graceful off, the rest absent", func(d *fakeDevice) {
			delete(d.protocols, oobkit.AMT)
			d.protocols[oobkit.IPMI] = "good"
		}, nil, softOff, "unsupported", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFleet()
			d := newDevice(oobkit.PowerS0, oobkit.AMT)
			tc.setup(d)
			tg := f.add("pc", d)
			conn := f.connector(goodCreds(append(allProtos, oobkit.Redirection)...), allProtos...)
			conn.Register(oobkit.Redirection, func(context.Context, oobkit.Target, oobkit.Credential) (oobkit.Client, error) {
				return lacksClient{oobkit.Redirection}, nil
			})
			opts := []Option{WithProbe(nil), WithRetry(fastRetry)}
			if tc.labels != nil {
				opts = append(opts, tc.labels)
			}
			res := NewRunner(conn, opts...).RunTarget(context.Background(), tc.job, tg)
			assert.Equal(t, tc.wantClass, res.Class, res.Error)
			assert.Equal(t, tc.wantAttempts, res.Attempts)
		})
	}
}
