package amt

import (
	"context"
	"errors"
	"strconv"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// MESettings are the management engine's power-saving settings.
type MESettings struct {
	// IdleWakeTimeout is how many minutes (1–65535) the ME stays awake after
	// a wake or host sleep (AMT_GeneralSettings.IdleWakeTimeout).
	IdleWakeTimeout int `json:"idleWakeTimeout"`
	// Schemes lists the power packages the device offers (may be empty).
	Schemes []PowerScheme `json:"schemes,omitempty"`
}

// PowerScheme is one AMT_SystemPowerScheme (power package).
type PowerScheme struct {
	InstanceID  string `json:"instanceID"`
	Description string `json:"description"`
	SchemeGUID  string `json:"schemeGUID,omitempty"`
}

// MESettings reads the idle timeout and the offered power schemes.
func (c *Client) MESettings(ctx context.Context) (MESettings, error) {
	g, err := c.get(ctx, schema.General, wsman.Sel("InstanceID", schema.GeneralSettingsID))
	if err != nil {
		return MESettings{}, err
	}
	t, _ := g.Int("IdleWakeTimeout")
	s := MESettings{IdleWakeTimeout: int(t)}
	schemes, err := c.enumerate(ctx, schema.PowerScheme)
	if err != nil && !isUnsupported(err) {
		return s, err
	}
	for _, in := range schemes {
		s.Schemes = append(s.Schemes, PowerScheme{InstanceID: in.Get("InstanceID"), Description: in.Get("Description"), SchemeGUID: in.Get("SchemeGUID")})
	}
	return s, nil
}

// SetIdleWakeTimeout sets AMT_GeneralSettings.IdleWakeTimeout in minutes.
func (c *Client) SetIdleWakeTimeout(ctx context.Context, minutes int) error {
	if minutes < 1 || minutes > 65535 {
		return argErr("SetIdleWakeTimeout", "idle timeout must be 1–65535 minutes, not %d", minutes)
	}
	g, err := c.get(ctx, schema.General, wsman.Sel("InstanceID", schema.GeneralSettingsID))
	if err != nil {
		return err
	}
	g.SetInt("IdleWakeTimeout", int64(minutes))
	_, err = c.ws.Put(ctx, schema.General, wsman.Sel("InstanceID", schema.GeneralSettingsID), g)
	return err
}

// SetPowerScheme selects a power package by InstanceID
// (AMT_SystemPowerScheme.SetPowerScheme, MeshCommander).
func (c *Client) SetPowerScheme(ctx context.Context, instanceID string) error {
	if instanceID == "" {
		return argErr("SetPowerScheme", "no power scheme named")
	}
	_, err := c.invoke(ctx, schema.PowerScheme, "SetPowerScheme", wsman.Sel("InstanceID", instanceID), nil, genericCodes)
	return err
}

// Unprovision returns the device to pre-provisioning (factory state),
// erasing its configuration. mode is the current provisioning mode (1 ACM,
// 4 CCM) or 0 to let the device use its own. After success the device is no
// longer remotely manageable.
func (c *Client) Unprovision(ctx context.Context, mode int) error {
	in := wsman.MethodInput(schema.SetupService, "Unprovision")
	if mode != 0 {
		in.Set("ProvisioningMode", strconv.Itoa(mode))
	}
	_, err := c.invoke(ctx, schema.SetupService, "Unprovision", wsman.Sel("Name", schema.SetupServiceName), in, unprovisionCodes)
	return err
}

// isUnsupported reports a class the device does not have.
func isUnsupported(err error) bool { return errors.Is(err, oobkit.ErrUnsupported) }

func itoa(n int) string { return strconv.Itoa(n) }
