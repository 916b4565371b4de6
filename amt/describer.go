package amt

import (
	"context"
	"strconv"
)

// Describe runs [Client.Detect] and returns what it learned as
// [oobkit.Describer] details: "version", "major", "provisioning"
// (pre-/in-/post-provisioning), "mode", "tls", "sol", "ider", "kvm". An
// unprovisioned device returns its details with the ErrNotProvisioned
// error; nil details when nothing was learned.
func (c *Client) Describe(ctx context.Context) (map[string]string, error) {
	d, err := c.Detect(ctx)
	if d == nil {
		return nil, err
	}
	state := map[int]string{StatePre: "pre-provisioning", StateIn: "in-provisioning", StatePost: "post-provisioning"}[d.ProvisioningState]
	return map[string]string{
		"version":      d.AMTVersion,
		"major":        strconv.Itoa(d.Major),
		"provisioning": state,
		"mode":         d.ModeName(),
		"tls":          strconv.FormatBool(d.TLS),
		"sol":          strconv.FormatBool(d.Redirection.SOL),
		"ider":         strconv.FormatBool(d.Redirection.IDER),
		"kvm":          strconv.FormatBool(d.Redirection.KVM),
	}, err
}
