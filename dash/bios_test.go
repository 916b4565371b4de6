package dash_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
)

func TestBIOSAttributes(t *testing.T) {
	_, c := newPair(t, dashtest.Config{BIOSPassword: "secret1"})
	attrs, err := c.BIOSAttributes(context.Background())
	require.NoError(t, err)
	byName := map[string]dash.BIOSAttribute{}
	for _, a := range attrs {
		byName[a.Name] = a
	}
	require.Len(t, byName, 7)
	wol := byName["DASH:WakeOnLAN"]
	assert.Equal(t, dash.BIOSEnumeration, wol.Kind)
	assert.Equal(t, []string{"Disabled"}, wol.Current)
	assert.Equal(t, []string{"Enabled", "Disabled"}, wol.PossibleValues)
	delay := byName["DASH:POSTDelay"]
	assert.Equal(t, dash.BIOSInteger, delay.Kind)
	assert.Equal(t, int64(0), delay.LowerBound)
	assert.Equal(t, int64(30), delay.UpperBound)
	assert.Equal(t, "seconds", delay.ProgrammaticUnit)
	tag := byName["DASH:AssetTag"]
	assert.Equal(t, dash.BIOSString, tag.Kind)
	assert.Equal(t, int64(16), tag.MaxLength)
	assert.True(t, byName["DASH:BIOSVersion"].ReadOnly)
	pw := byName["DASH:AdminPassword"]
	assert.Equal(t, dash.BIOSPassword, pw.Kind)
	assert.True(t, pw.IsSet)
	assert.Empty(t, pw.Current, "a password's value is never reported")
	assert.False(t, byName["DASH:SystemPassword"].IsSet, "no system password set")
}

func TestSetBIOS(t *testing.T) {
	pw := oobkit.NewSecret("secret1")
	tests := []struct {
		name       string
		password   string // the computer's
		give       oobkit.Secret
		attr, val  string
		wantErr    error
		wantPwErr  bool
		wantText   string
		wantReboot bool
	}{
		{"unprotected, pending", "", oobkit.Secret{}, "DASH:WakeOnLAN", "Enabled", nil, false, "", true},
		{"protected, right password", "secret1", pw, "DASH:POSTDelay", "10", nil, false, "", true},
		{"immediate string", "", oobkit.Secret{}, "DASH:AssetTag", "B-2002", nil, false, "", false},
		{"wrong password", "secret1", oobkit.NewSecret("guess"), "DASH:WakeOnLAN", "Enabled", oobkit.ErrAuth, true,
			"BIOS administrator password is missing or incorrect", false},
		{"missing password", "secret1", oobkit.Secret{}, "DASH:WakeOnLAN", "Enabled", oobkit.ErrAuth, true,
			"pass the administrator password", false},
		{"integer out of range", "", oobkit.Secret{}, "DASH:POSTDelay", "99", oobkit.ErrInvalidArgument, false,
			`Value "99" for DASH:POSTDelay is outside 0..30`, false},
		{"not a possible value", "", oobkit.Secret{}, "DASH:WakeOnLAN", "Maybe", oobkit.ErrInvalidArgument, false,
			"is not one of", false},
		{"string too long", "", oobkit.Secret{}, "DASH:AssetTag", "0123456789abcdefXYZ", oobkit.ErrInvalidArgument, false,
			"outside 0..16 characters", false},
		{"read-only", "", oobkit.Secret{}, "DASH:BIOSVersion", "9", oobkit.ErrInvalidArgument, false, "read-only", false},
		{"unknown attribute", "", oobkit.Secret{}, "DASH:Nope", "1", oobkit.ErrInvalidArgument, false, "no BIOS attribute", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c := newPair(t, dashtest.Config{BIOSPassword: tt.password})
			before, _, _ := sim.BIOSValue(tt.attr)
			ch, err := c.SetBIOSAttribute(context.Background(), tt.attr, tt.val, tt.give)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, tt.wantPwErr, errorsIs(err, dash.ErrBIOSPassword))
				assert.Contains(t, err.Error(), tt.wantText)
				assert.Equal(t, "2", oobkit.DeviceCode(err))
				assert.NotContains(t, err.Error(), "guess", "a password never reaches an error text")
				cur, pending, _ := sim.BIOSValue(tt.attr)
				assert.Equal(t, before, cur)
				assert.Empty(t, pending)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantReboot, ch.RestartRequired)
			cur, pending, _ := sim.BIOSValue(tt.attr)
			if tt.wantReboot {
				assert.Equal(t, before, cur)
				assert.Equal(t, tt.val, pending)
			} else {
				assert.Equal(t, tt.val, cur)
			}
		})
	}
}

func TestSetBIOSAttributesAndRestart(t *testing.T) {
	ctx := context.Background()
	sim, c := newPair(t, dashtest.Config{BIOSPassword: "secret1"})
	ch, err := c.SetBIOSAttributes(ctx, []dash.BIOSSetting{
		{Name: "DASH:WakeOnLAN", Values: []string{"Enabled"}},
		{Name: "DASH:AssetTag", Values: []string{"C-3003"}},
	}, oobkit.NewSecret("secret1"))
	require.NoError(t, err)
	assert.True(t, ch.RestartRequired)
	assert.Equal(t, []dash.BIOSResult{{Name: "DASH:WakeOnLAN", Code: dash.SetResultPending}, {Name: "DASH:AssetTag", Code: dash.SetResultCurrent}}, ch.Results)

	attrs, err := c.BIOSAttributes(ctx)
	require.NoError(t, err)
	for _, a := range attrs {
		if a.Name == "DASH:WakeOnLAN" {
			assert.Equal(t, []string{"Enabled"}, a.Pending)
		}
	}
	require.NoError(t, c.SetPower(ctx, oobkit.ActionReset))
	cur, pending, _ := sim.BIOSValue("DASH:WakeOnLAN")
	assert.Equal(t, "Enabled", cur, "the pending value applies at the restart")
	assert.Empty(t, pending)

	// A batch with one bad value changes nothing.
	_, err = c.SetBIOSAttributes(ctx, []dash.BIOSSetting{
		{Name: "DASH:WakeOnLAN", Values: []string{"Disabled"}},
		{Name: "DASH:POSTDelay", Values: []string{"-1"}},
	}, oobkit.NewSecret("secret1"))
	require.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	_, pending, _ = sim.BIOSValue("DASH:WakeOnLAN")
	assert.Empty(t, pending)
}

func TestSetBIOSAttributesFallsBack(t *testing.T) {
	sim, c := newPair(t, dashtest.Config{})
	sim.InjectReturnValue("SetBIOSAttributes", 1)
	ch, err := c.SetBIOSAttributes(context.Background(), []dash.BIOSSetting{
		{Name: "DASH:WakeOnLAN", Values: []string{"Enabled"}},
		{Name: "DASH:POSTDelay", Values: []string{"7"}},
	}, oobkit.Secret{})
	require.NoError(t, err)
	assert.Len(t, ch.Results, 2)
	_, pending, _ := sim.BIOSValue("DASH:POSTDelay")
	assert.Equal(t, "7", pending)
}

func TestChangeBIOSPassword(t *testing.T) {
	sim, c := newPair(t, dashtest.Config{BIOSPassword: "secret1"})
	_, err := c.SetBIOSAttribute(context.Background(), "DASH:AdminPassword", "newpass9", oobkit.NewSecret("secret1"))
	require.NoError(t, err)
	assert.Equal(t, "newpass9", sim.BIOSPassword())
}

func TestBIOSWithoutProfile(t *testing.T) {
	_, c := newPair(t, dashtest.Config{Profiles: without(dashtest.DefaultProfiles, dash.ProfileBIOSManagement)})
	ctx := context.Background()
	_, err := c.BIOSAttributes(ctx)
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	_, err = c.SetBIOSAttribute(ctx, "DASH:WakeOnLAN", "Enabled", oobkit.Secret{})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	_, err = c.SetBIOSAttributes(ctx, []dash.BIOSSetting{{Name: "DASH:WakeOnLAN", Values: []string{"Enabled"}}}, oobkit.Secret{})
	require.ErrorIs(t, err, oobkit.ErrUnsupported)
	assert.Contains(t, err.Error(), "BIOS Management profile")
}
