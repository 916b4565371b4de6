package diagnose

import (
	"context"
	"errors"
	"slices"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/discovery"
	"github.com/oobkit/oobkit/profile"
)

// The guide's and the field notes' words for the AMT causes.
const (
	wordsNotAMT = "AMT failed to be detected: The computer is not Intel AMT capable, Intel AMT is turned off in the BIOS, or WSMan protocol is not enabled."
	nextNotAMT  = "Normally a non-vPro system will receive the return code that AMT was not detected; for a vPro system, run Out of Band Discovery: if AMT is disabled, it needs to be enabled in the BIOS, then check the provisioning status"

	wordsNotProvisioned = "The Intel AMT device is not configured (AMT is unavailable - the system is not provisioned)."
	nextNotProvisioned  = "Has this system gone through the provisioning process? Provision as necessary"

	wordsTLS = "The Intel AMT device is in secure mode, but the connection profile is not configured to use the correct certificates, and vice versa."

	wordsPowerUnknown = "power state unknown (14): AMT answers other functions (Generic error, FromState detected as unknown:14)"
	nextPowerUnknown  = "reset the state stored in the Intel ME with a reboot through the OS agent (a standard reboot command to the PC), then run the job again"

	wordsNotWorking = "AMT might not be properly setup on this system: no other AMT function is successful."
	nextNotWorking  = "check the provisioning (Out of Band Discovery); if all else fails, try reprovisioning the system by fully unprovisioning and going through the provisioning process again"

	nextCredentials = "create a profile with only the Intel AMT technology enabled and the admin user credentials set when the managed vPro systems were provisioned, run the job with it; if it still fails, rerun with the Runtime Profile"
)

// amtOutcome is one credential tried against AMT.
type amtOutcome struct {
	detectErr error
	det       *amt.Detection
	state     oobkit.PowerState
	stateErr  error
	invErr    error
	inventory bool // the inventory was tried
}

func (o amtOutcome) authenticated() bool {
	return o.detectErr == nil || errors.Is(o.detectErr, oobkit.ErrNotProvisioned)
}

// tryAMT detects AMT with cred; with full, it then reads the stored power
// state and, when that fails or is unknown, another function (inventory).
func tryAMT(ctx context.Context, req Request, cred oobkit.Credential, full bool) amtOutcome {
	var o amtOutcome
	c, err := amt.New(req.Target, cred, amt.WithTimeout(req.Timeout))
	if err != nil {
		o.detectErr = err
		return o
	}
	defer c.Close()
	o.det, o.detectErr = c.Detect(ctx)
	if o.detectErr != nil || !full {
		return o
	}
	o.state, o.stateErr = c.PowerState(ctx)
	if o.stateErr != nil || o.state == oobkit.PowerUnknown {
		o.inventory = true
		_, o.invErr = c.Inventory(ctx)
	}
	return o
}

func diagnoseAMT(ctx context.Context, req Request, d *Diagnosis) {
	if !hostAnswers(d.Ports) {
		d.step("reachability", false, "no port answers at %s", req.Target.Address)
		d.verdict(CauseUnreachable, wordsUnreachable, nextUnreachable)
		return
	}
	d.step("reachability", true, "the computer answers; AMT ports open: %v", openPorts(d.Ports, oobkit.AMT))

	// "use the Out of Band Discovery Task to see if AMT is available and
	// to identify what state it is in"
	f := discovery.Probe(ctx, req.Target.Address, discoveryConfig(req, oobkit.AMT, nil)).Findings[0]
	if !f.Present {
		d.step("detection", false, "AMT does not answer as itself (%s)", f.Class)
		d.verdict(CauseNotAMT, wordsNotAMT, nextNotAMT)
		return
	}
	plainPort, tlsPort := req.Target.Port(oobkit.AMT, false), req.Target.Port(oobkit.AMT, true)
	tlsOK := f.TLS
	plainOK := slices.Contains(f.Ports, plainPort) && !(plainPort == tlsPort && tlsOK)
	d.step("detection", true, "Intel AMT %s answers (plain %v, TLS %v)", f.Version, plainOK, tlsOK)

	// 1. "try connecting to the target system using RTSM, specifying the
	// same credential profile."
	cred, enabled := req.Profile.Credential(oobkit.AMT)
	if !enabled {
		d.step("given profile", false, "profile %q does not enable Intel AMT", req.Profile.Name)
		if runtimeWorks(ctx, req, d) {
			return
		}
		d.verdict(CauseProfileWithoutProtocol, wordsCredentials+" The profile does not enable Intel AMT.",
			"under the Intel AMT tab check the box 'Enable this technology in the profile' and supply the admin user credentials set when the managed vPro systems were provisioned")
		return
	}
	// TLS against plain.
	if cred.TLS.Enabled && !tlsOK || !cred.TLS.Enabled && !plainOK {
		want, has := "plain", "TLS"
		next := "enable TLS in the profile's Intel AMT settings with the device's certificate (CA or pinned SHA-256)"
		if cred.TLS.Enabled {
			want, has = "TLS", "plain"
			next = "turn TLS off in the profile's Intel AMT settings, or configure TLS on the device"
		}
		d.step("tls", false, "the profile asks for %s, the device answers %s only", want, has)
		d.verdict(CauseTLSMismatch, wordsTLS, next)
		return
	}
	d.step("tls", true, "the profile's transport (TLS %v) answers", cred.TLS.Enabled)

	o := tryAMT(ctx, req, cred, true)
	if !o.authenticated() {
		d.step("given profile", false, "profile %q: %v", req.Profile.Name, o.detectErr)
		// 3–4. "try creating a different connection profile with only AMT
		// functions provided."
		if others := len(req.Profile.Enabled()) - 1; others > 0 {
			d.step("amt-only profile", false, "the profile's Intel AMT entry alone: same credential, same refusal (oobkit authenticates each protocol on its own)")
		}
		if !errors.Is(o.detectErr, oobkit.ErrAuth) {
			d.verdict(CauseNotAMT, wordsNotAMT+" ("+oobkit.ClassName(o.detectErr)+")", nextNotAMT)
			return
		}
		// 11. "If it is not, try rerunning with the Runtime Profile."
		if runtimeWorks(ctx, req, d) {
			return
		}
		d.verdict(CauseCredentials, wordsCredentials, nextCredentials)
		return
	}
	d.step("given profile", true, "profile %q authenticates", req.Profile.Name)
	if o.det != nil && o.det.ProvisioningState != amt.StatePost || errors.Is(o.detectErr, oobkit.ErrNotProvisioned) {
		// 7. "Has this system gone through the provisioning process?"
		d.step("provisioning", false, "provisioning state %d (post-provisioning is %d)", provState(o.det), amt.StatePost)
		d.verdict(CauseNotProvisioned, wordsNotProvisioned, nextNotProvisioned)
		return
	}
	d.step("provisioning", true, "post-provisioning, %s", o.det.ModeName())
	d.PowerState = o.state.String()
	if o.stateErr == nil && o.state != oobkit.PowerUnknown {
		d.step("power state", true, "stored power state %s", o.state)
		d.verdict(CauseNone, "AMT answers with this profile; the stored power state is "+o.state.String(),
			"run the job again; if it fails, read its return code (Determining Cause of Failure)")
		return
	}
	d.step("power state", false, "stored power state %s %v", o.state, errOrEmpty(o.stateErr))
	// 5. "Try other AMT functions, such as Collect Intel AMT Inventory"
	if o.invErr != nil {
		d.step("inventory", false, "%v", o.invErr)
		d.verdict(CauseAMTNotWorking, wordsNotWorking, nextNotWorking)
		return
	}
	d.step("inventory", true, "the inventory is collected")
	// 6. "If other functions succeed, try using another method to reboot
	// the system to reset the power state stored in the Intel ME."
	d.verdict(CausePowerStateUnknown, wordsPowerUnknown, nextPowerUnknown)
	d.Fix = ActionRebootOS
}

func provState(det *amt.Detection) int {
	if det == nil {
		return -1
	}
	return det.ProvisioningState
}

func errOrEmpty(err error) any {
	if err == nil {
		return ""
	}
	return err
}

// runtimeWorks tries the runtime profile's credentials for the computer
// and gives the verdict when one authenticates.
func runtimeWorks(ctx context.Context, req Request, d *Diagnosis) bool {
	if req.Runtime == nil {
		d.step("runtime profile", false, "no runtime profile given")
		return false
	}
	cands, err := req.Runtime.Resolve(ctx, req.Target, oobkit.AMT, nil)
	if err != nil && !errors.Is(err, profile.ErrNoCandidate) {
		d.step("runtime profile", false, "%v", err)
		return false
	}
	given, _ := req.Profile.Credential(oobkit.AMT)
	tried := 0
	for _, c := range cands {
		if c.Source != profile.SourceRuntime || sameAccount(c.Credential(), given) {
			continue
		}
		tried++
		if o := tryAMT(ctx, req, c.Credential(), false); o.authenticated() {
			d.step("runtime profile", true, "a credential learned from %s (profile %q, user %q) authenticates", c.Origin, c.Profile, c.Credential().Username)
			d.verdict(CauseRuntimeCredential, wordsCredentials+" A credential of the runtime profile works.",
				"rerun with the Runtime Profile, or put its credential (user "+c.Credential().Username+") in the job's profile")
			return true
		}
	}
	d.step("runtime profile", false, "%d other credentials known for the computer, none authenticates", tried)
	return false
}

func sameAccount(a, b oobkit.Credential) bool {
	return a.Username == b.Username && a.Password.Equal(b.Password)
}
