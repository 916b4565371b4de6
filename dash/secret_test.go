package dash_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/dash/dashtest"
	"github.com/oobkit/oobkit/internal/wsman"
	"github.com/oobkit/oobkit/internal/wsmantest"
)

// Canary secrets: distinctive strings that must appear in no log line and
// no error text.
const (
	canaryAdmin = "Canary-BIOS-Admin-5d1e"
	canaryNew   = "Canary-BIOS-New-77ab"
)

var biosServiceURI = wsman.CIMBase + "CIM_BIOSService"

// echoingBIOS makes the simulated computer answer SetBIOSAttribute the way
// a careless firmware might: quoting the parameters it got (the
// AuthorizationToken and the value) in its CIM_Error, or in a SOAP fault.
func echoingBIOS(sim *dashtest.Computer, asFault bool) {
	sim.Server().(*wsmantest.Server).Handle(biosServiceURI+"/SetBIOSAttribute", biosServiceURI, func(r *wsmantest.Request) (*etree.Element, error) {
		in := r.Instance()
		quoted := fmt.Sprintf("token %q refused for value %q", in.Get("AuthorizationToken"), in.Get("AttributeValue"))
		if asFault {
			return nil, wsmantest.Fault("InvalidParameter", quoted)
		}
		out := etree.NewElement("h:SetBIOSAttribute_OUTPUT")
		out.CreateAttr("xmlns:h", biosServiceURI)
		ce := out.CreateElement("h:Error").CreateElement("e:CIM_Error")
		ce.CreateAttr("xmlns:e", wsman.CIMBase+"CIM_Error")
		ce.CreateElement("e:CIMStatusCode").SetText("2")
		ce.CreateElement("e:Message").SetText(quoted)
		out.CreateElement("h:ReturnValue").SetText("2")
		return out, nil
	})
}

// TestBIOSPasswordNeverLeaks: the BIOS administrator password and a new
// BIOS password reach the computer but never the log (at debug level) or an
// error's text, whether the computer accepts them, refuses them, or quotes
// them back.
func TestBIOSPasswordNeverLeaks(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(sim *dashtest.Computer)
		attr    string
		value   string
		give    string
		wantErr error
	}{
		{"right password", nil, "DASH:WakeOnLAN", "Enabled", canaryAdmin, nil},
		{"wrong password", nil, "DASH:WakeOnLAN", "Enabled", canaryAdmin + "x", oobkit.ErrAuth},
		{"new password set", nil, "DASH:AdminPassword", canaryNew, canaryAdmin, nil},
		{"new password refused", nil, "DASH:AdminPassword", canaryNew + canaryNew, canaryAdmin, oobkit.ErrInvalidArgument},
		{"device quotes them in CIM_Error", func(sim *dashtest.Computer) { echoingBIOS(sim, false) },
			"DASH:AdminPassword", canaryNew, canaryAdmin, oobkit.ErrAuth},
		{"device quotes them in a fault", func(sim *dashtest.Computer) { echoingBIOS(sim, true) },
			"DASH:AdminPassword", canaryNew, canaryAdmin, oobkit.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, err := dashtest.NewServer(dashtest.Config{BIOSPassword: canaryAdmin})
			require.NoError(t, err)
			defer sim.Close()
			if tt.prepare != nil {
				tt.prepare(sim.Computer)
			}
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := dash.New(sim.Target(), sim.Credential(), dash.WithLogger(logger))
			require.NoError(t, err)
			defer c.Close()

			_, err = c.SetBIOSAttribute(context.Background(), tt.attr, tt.value, oobkit.NewSecret(tt.give))
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.wantErr)
				for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
					assert.NotContains(t, text, "Canary")
				}
			}
			require.NotZero(t, logs.Len(), "debug logging was on")
			assert.NotContains(t, logs.String(), "Canary")
		})
	}
}
