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

// TestUpdateBIOSWithAdministratorAndSystemPasswords: the RTSM guide, Managing
// BIOS settings, step 3: "If BIOS is protected by administrator or system
// passwords, specify the passwords." The simulated BIOS enforces both: with
// an administrator password set only it authorises a change; with only a
// system password set, that one does; a wrong one is refused and changes
// nothing.
func TestUpdateBIOSWithAdministratorAndSystemPasswords(t *testing.T) {
	const admin, system = "Adm1n-Bios", "Sys-P0wer-On"
	secret := oobkit.NewSecret
	set := []dash.BIOSSetting{{Name: "DASH:AssetTag", Values: []string{"A-7007"}}}
	tests := []struct {
		name           string
		adminSet, sys  string // what the BIOS is protected with
		given          dash.BIOSPasswords
		wantBy         dash.BIOSPasswordKind
		wantRefused    bool
		wantBothReport bool
	}{
		{"both set, both given", admin, system, dash.BIOSPasswords{Administrator: secret(admin), System: secret(system)}, dash.BIOSAdministrator, false, false},
		{"both set, administrator only", admin, system, dash.BIOSPasswords{Administrator: secret(admin)}, dash.BIOSAdministrator, false, false},
		{"both set, system only", admin, system, dash.BIOSPasswords{System: secret(system)}, "", true, false},
		{"both set, wrong administrator", admin, system, dash.BIOSPasswords{Administrator: secret("guess-1"), System: secret(system)}, "", true, true},
		{"system set, system given", "", system, dash.BIOSPasswords{System: secret(system)}, dash.BIOSSystem, false, false},
		{"system set, both given", "", system, dash.BIOSPasswords{Administrator: secret("guess-2"), System: secret(system)}, dash.BIOSSystem, false, false},
		{"system set, wrong system", "", system, dash.BIOSPasswords{System: secret("guess-3")}, "", true, false},
		{"system set, none given", "", system, dash.BIOSPasswords{}, "", true, false},
		{"unprotected", "", "", dash.BIOSPasswords{}, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c := newPair(t, dashtest.Config{BIOSPassword: tt.adminSet, SystemPassword: tt.sys})
			ch, err := c.UpdateBIOS(context.Background(), set, tt.given)
			cur, _, _ := sim.BIOSValue("DASH:AssetTag")
			if tt.wantRefused {
				require.ErrorIs(t, err, oobkit.ErrAuth)
				require.ErrorIs(t, err, dash.ErrBIOSPassword)
				for _, s := range []string{admin, system, "guess-1", "guess-2", "guess-3"} {
					assert.NotContains(t, err.Error(), s, "no password in an error")
				}
				if tt.wantBothReport {
					assert.Contains(t, err.Error(), "both the administrator and the system password were refused")
				}
				assert.Equal(t, "A-1001", cur, "nothing changed")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantBy, ch.AuthorizedBy)
			assert.Equal(t, string(tt.wantBy), sim.BIOSAuthorizedBy(), "the BIOS accepted that password")
			assert.Equal(t, "A-7007", cur)
		})
	}
}

// TestUpdateBIOSChangesSystemPassword: the system password is a BIOS
// password attribute of its own; setting it needs the administrator
// password while one is set.
func TestUpdateBIOSChangesSystemPassword(t *testing.T) {
	sim, c := newPair(t, dashtest.Config{BIOSPassword: "Adm1n-Bios"})
	newSys := []dash.BIOSSetting{{Name: dashtest.AttrSystemPassword, Values: []string{"New-Sys-9"}}}
	_, err := c.UpdateBIOS(context.Background(), newSys, dash.BIOSPasswords{System: oobkit.NewSecret("whatever")})
	require.ErrorIs(t, err, dash.ErrBIOSPassword)
	assert.NotContains(t, err.Error(), "New-Sys-9")
	assert.Empty(t, sim.BIOSSystemPassword())

	_, err = c.UpdateBIOS(context.Background(), newSys, dash.BIOSPasswords{Administrator: oobkit.NewSecret("Adm1n-Bios")})
	require.NoError(t, err)
	assert.Equal(t, "New-Sys-9", sim.BIOSSystemPassword())
	assert.Equal(t, "Adm1n-Bios", sim.BIOSPassword(), "the administrator password is unchanged")
}
