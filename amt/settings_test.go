package amt_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/amt/amttest"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

func TestRedirectionSettings(t *testing.T) {
	tests := []amt.RedirectionSettings{
		{},
		{SOL: true},
		{IDER: true, Listener: true},
		{SOL: true, IDER: true, KVM: true, Listener: true},
		{KVM: true},
	}
	srv, c := start(t, amttest.Config{})
	ctx := context.Background()
	for _, want := range tests {
		require.NoError(t, c.SetRedirection(ctx, want))
		assert.Equal(t, amttest.RedirectionSettings(want), srv.Redirection())
		got, err := c.RedirectionSettings(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}

func TestRedirectionWithoutKVM(t *testing.T) {
	_, c := start(t, amttest.Config{Firmware: "8.1.40", NoKVM: true})
	ctx := context.Background()
	require.NoError(t, c.SetRedirection(ctx, amt.RedirectionSettings{SOL: true, Listener: true}))
	requireClass(t, c.SetRedirection(ctx, amt.RedirectionSettings{KVM: true}), oobkit.ErrUnsupported)
}

func TestConsent(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx := context.Background()
	st, err := c.Consent(ctx)
	require.NoError(t, err)
	assert.Equal(t, amt.Consent{Required: amt.ConsentNone, State: amt.ConsentNotStarted, CanModifyPolicy: true}, st)
	assert.True(t, st.Granted())

	require.NoError(t, c.SetConsentRequired(ctx, amt.ConsentAll))
	st, err = c.Consent(ctx)
	require.NoError(t, err)
	assert.False(t, st.Granted())

	require.NoError(t, c.StartConsent(ctx))
	requireClass(t, c.StartConsent(ctx), oobkit.ErrInvalidState) // already displayed
	code, _ := strconv.Atoi(srv.ConsentCode())
	requireClass(t, c.SendConsentCode(ctx, (code+1)%1000000), oobkit.ErrDevice)
	require.NoError(t, c.SendConsentCode(ctx, code))
	st, err = c.Consent(ctx)
	require.NoError(t, err)
	assert.Equal(t, amt.ConsentReceived, st.State)
	assert.True(t, st.Granted())

	require.NoError(t, c.CancelConsent(ctx))
	_, state := srv.ConsentState()
	assert.Equal(t, amt.ConsentNotStarted, state)

	requireClass(t, c.SendConsentCode(ctx, 1234567), oobkit.ErrInvalidArgument)
	requireClass(t, c.SetConsentRequired(ctx, 7), oobkit.ErrInvalidArgument)
}

func TestConsentPolicyNeedsAdminControl(t *testing.T) {
	_, c := start(t, amttest.Config{ClientControl: true})
	requireClass(t, c.SetConsentRequired(context.Background(), amt.ConsentNone), oobkit.ErrAuth)
}

func TestMESettings(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	ctx := context.Background()
	s, err := c.MESettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, 65535, s.IdleWakeTimeout)
	require.Len(t, s.Schemes, 2)
	assert.Contains(t, s.Schemes[1].Description, "ME Wake in S3")

	require.NoError(t, c.SetIdleWakeTimeout(ctx, 30))
	require.NoError(t, c.SetPowerScheme(ctx, s.Schemes[1].InstanceID))
	timeout, scheme := srv.MESettings()
	assert.Equal(t, 30, timeout)
	assert.Equal(t, "SCHEME 2", scheme)
	s, err = c.MESettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, 30, s.IdleWakeTimeout)

	requireClass(t, c.SetIdleWakeTimeout(ctx, 0), oobkit.ErrInvalidArgument)
	requireClass(t, c.SetPowerScheme(ctx, "SCHEME 9"), oobkit.ErrInvalidArgument)
}

func TestUnprovision(t *testing.T) {
	tests := []struct {
		name    string
		cfg     amttest.Config
		mode    int
		wantErr error
		code    string
	}{
		{"admin control", amttest.Config{}, 0, nil, ""},
		{"client control with its mode", amttest.Config{ClientControl: true}, amt.ModeClientControl, nil, ""},
		{"wrong mode", amttest.Config{}, amt.ModeClientControl, oobkit.ErrInvalidState, "16"},
		{"invalid mode", amttest.Config{}, 3, oobkit.ErrInvalidArgument, "36"},
		{"already unprovisioned", amttest.Config{Unprovisioned: true}, 0, oobkit.ErrInvalidState, "16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, tt.cfg)
			ctx := context.Background()
			err := c.Unprovision(ctx, tt.mode)
			if tt.wantErr != nil {
				oe := requireClass(t, err, tt.wantErr)
				assert.Equal(t, tt.code, oe.DeviceCode)
				return
			}
			require.NoError(t, err)
			state, _ := srv.Provisioning()
			assert.Equal(t, amt.StatePre, state)
			_, err = c.Detect(ctx)
			requireClass(t, err, oobkit.ErrNotProvisioned)
		})
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults wsmantest.Faults
		want   error
	}{
		{"busy", wsmantest.Faults{Busy: true}, oobkit.ErrBusy},
		{"malformed XML", wsmantest.Faults{MalformedXML: true}, oobkit.ErrProtocol},
		{"dropped mid-response", wsmantest.Faults{DropMidResponse: true}, oobkit.ErrUnreachable},
		{"oversize", wsmantest.Faults{OversizeBytes: 5 << 20}, oobkit.ErrProtocol},
		{"wrong-auth storm", wsmantest.Faults{WrongAuth: true}, oobkit.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, amttest.Config{})
			ctx := context.Background()
			_, err := c.PowerState(ctx) // authenticate first
			require.NoError(t, err)
			srv.SetFaults(tt.faults)
			_, err = c.PowerState(ctx)
			requireClass(t, err, tt.want)
			srv.SetFaults(wsmantest.Faults{})
			_, err = c.PowerState(ctx)
			require.NoError(t, err, "the client recovers once the fault is gone")
		})
	}
}

func TestFaultMidBootSequence(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	srv.SetFaults(wsmantest.Faults{Busy: true, Actions: []string{"/SetBootConfigRole"}, Remaining: 1})
	err := c.SetNextBoot(context.Background(), oobkit.BootOptions{Device: oobkit.BootPXE})
	requireClass(t, err, oobkit.ErrBusy)
	assert.False(t, srv.BootState().SingleUse)
	assert.Equal(t, "", srv.BootState().Source, "the boot source is set last, so a failure before it leaves none")
}

// TestDeadline: the device never answers in time; the caller's deadline
// ends the call. The simulated latency is an hour, so the call returning at
// all proves the deadline was honoured, with no wall-clock bound that a
// loaded CI machine could miss.
func TestDeadline(t *testing.T) {
	srv, c := start(t, amttest.Config{})
	srv.SetFaults(wsmantest.Faults{Latency: time.Hour})
	defer srv.SetFaults(wsmantest.Faults{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.PowerState(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, []int{oobkit.CodeUnreachable, oobkit.CodeTimeout}, oobkit.ReturnCode(err))
}
