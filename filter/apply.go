package filter

import (
	"fmt"
	"strings"

	"github.com/oobkit/oobkit"
)

// RefusedError is CheckApply's refusal: the policy is malformed, or it would
// cut the computer off (a required flow is dropped, or a direction drops
// everything). It wraps oobkit.ErrInvalidArgument.
type RefusedError struct {
	// Policy is the policy's name.
	Policy string
	// Findings are the validation findings that refuse the policy: all
	// errors, plus the isolation warnings when not forced.
	Findings []Finding
	// Failures are the flows that would not pass.
	Failures []FlowResult
}

// Error names the policy and every reason, each blocking rule by name.
func (e *RefusedError) Error() string {
	var parts []string
	for _, f := range e.Findings {
		parts = append(parts, f.String())
	}
	for _, f := range e.Failures {
		parts = append(parts, f.String())
	}
	return fmt.Sprintf("filter: policy %q refused: %s", e.Policy, strings.Join(parts, "; "))
}

// Unwrap returns oobkit.ErrInvalidArgument.
func (e *RefusedError) Unwrap() error { return oobkit.ErrInvalidArgument }

// CheckApply is what a client calls before applying p: it refuses a policy
// with validation errors always, and a policy that fails Verify for flows
// or that drops all traffic of a direction unless force is true. The error
// is a *RefusedError wrapping oobkit.ErrInvalidArgument whose text names the
// blocking rule.
func CheckApply(p *Policy, flows []Flow, force bool) error {
	if p == nil {
		return fmt.Errorf("filter: nil policy: %w", oobkit.ErrInvalidArgument)
	}
	refused := &RefusedError{Policy: p.Name}
	for _, f := range Validate(p) {
		if f.Severity == Error || (!force && f.Code == CodeIsolates) {
			refused.Findings = append(refused.Findings, f)
		}
	}
	if !force {
		refused.Failures = Verify(p, flows).Failures()
	}
	if len(refused.Findings) == 0 && len(refused.Failures) == 0 {
		return nil
	}
	return refused
}
