package amt

import (
	"context"
	"time"

	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// SetPolicyTimeout sets how long the device keeps the policy whose
// InstanceID is given (AMT_SystemDefensePolicy.SetTimeout, whole seconds).
// A staged rollout applies a policy with a timeout, so that a policy which
// cuts the computer off lifts itself, then confirms it by setting the
// timeout to zero (no timeout) once the computer proved it still reaches
// the management server. See the Intel AMT SDK reference,
// AMT_SystemDefensePolicy.SetTimeout
// (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/).
func (c *Client) SetPolicyTimeout(ctx context.Context, policyInstanceID string, d time.Duration) error {
	if d < 0 {
		return argErr("SetTimeout", "negative timeout %v", d)
	}
	in := wsman.MethodInput(schema.DefensePolicy, "SetTimeout").SetInt("Timeout", int64(d/time.Second))
	_, err := c.invoke(ctx, schema.DefensePolicy, "SetTimeout", wsman.Sel("InstanceID", policyInstanceID), in, genericCodes)
	return err
}
