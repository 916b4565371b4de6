package amt

import (
	"context"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt/internal/schema"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Provisioning modes of AMT_SetupAndConfigurationService.ProvisioningMode.
const (
	ModeAdminControl  = 1 // ACM
	ModeClientControl = 4 // CCM
)

// Provisioning states of AMT_SetupAndConfigurationService.ProvisioningState.
const (
	StatePre  = 0 // pre-provisioning: factory state, not remotely manageable
	StateIn   = 1 // in provisioning
	StatePost = 2 // post-provisioning: configured
)

// Detection is what "Out of Band Discovery" learns about a device.
type Detection struct {
	// AMTVersion is CIM_SoftwareIdentity "AMT" ("12.0.67").
	AMTVersion string
	// Major is the major version (12).
	Major int
	// Versions holds every CIM_SoftwareIdentity InstanceID → VersionString
	// (Flash, Netstack, AMTApps, AMT, Sku, VendorID, Build Number…).
	Versions map[string]string
	// ProvisioningMode is ModeAdminControl or ModeClientControl (0 unknown).
	ProvisioningMode int
	// ProvisioningState is StatePre, StateIn or StatePost.
	ProvisioningState int
	// TLS is true when the device was reached over TLS (16993).
	TLS bool
	// TLSOnly is true when the firmware (AMT 16.1 and later) no longer
	// answers on the plain ports 16992, 16994 and 623: Intel, "Intel AMT and
	// Security Considerations", "Starting from Alder Lake platforms with
	// Raptor Lake CPUs running Intel CSME 16.1 firmware, remote connections
	// to Intel AMT unsecure TCP/IP ports 16992, 16994 and 623 are no longer
	// supported"
	// (https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/intelamtandsecurityconsiderations1.htm).
	// See [TLSOnly].
	TLSOnly bool
	// Redirection says which redirection features are enabled.
	Redirection RedirectionSettings
}

// ModeName returns "admin control", "client control" or "unknown".
func (d Detection) ModeName() string {
	switch d.ProvisioningMode {
	case ModeAdminControl:
		return "admin control"
	case ModeClientControl:
		return "client control"
	}
	return "unknown"
}

// Detect finds out whether AMT answers, its firmware version, provisioning
// mode and state, TLS and the enabled redirection features. A host that
// answers without WS-Management yields ErrNotDetected, a refused password
// ErrAuth, a device in pre- or in-provisioning ErrNotProvisioned (with the
// Detection filled as far as the device told).
func (c *Client) Detect(ctx context.Context) (*Detection, error) {
	d := &Detection{TLS: c.tls, Versions: map[string]string{}}
	setup, err := c.get(ctx, schema.SetupService, wsman.Sel("Name", schema.SetupServiceName))
	if err != nil {
		// internal/wsman already says ErrNotDetected for a port that answers
		// without SOAP (a web server, a printer), and ErrProtocol for a
		// broken SOAP answer, which is not the same as AMT being absent.
		return nil, err
	}
	d.ProvisioningMode, d.ProvisioningState = decodeProvisioning(setup)
	ids, err := c.enumerate(ctx, schema.SoftwareID)
	if err != nil {
		return nil, err
	}
	d.AMTVersion, d.Major = decodeVersions(ids, d.Versions)
	d.TLSOnly = TLSOnly(d.AMTVersion)
	if d.ProvisioningState != StatePost {
		return d, &oobkit.Error{Protocol: oobkit.AMT, Op: "Detect", Class: oobkit.ErrNotProvisioned,
			DeviceCode: itoa(d.ProvisioningState), Message: "AMT " + d.AMTVersion + " is not provisioned (" + provisioningName(d.ProvisioningState) + ")"}
	}
	r, err := c.RedirectionSettings(ctx)
	if err != nil {
		return d, err
	}
	d.Redirection = r
	return d, nil
}

func decodeProvisioning(in *wsman.Instance) (mode, state int) {
	m, _ := in.Int("ProvisioningMode")
	s, ok := in.Int("ProvisioningState")
	if !ok {
		s = -1
	}
	return int(m), int(s)
}

func provisioningName(s int) string {
	switch s {
	case StatePre:
		return "pre-provisioning"
	case StateIn:
		return "in provisioning"
	case StatePost:
		return "post-provisioning"
	}
	return "state unknown"
}

// decodeVersions fills versions from CIM_SoftwareIdentity instances and
// returns the AMT version and its major number.
func decodeVersions(ids []*wsman.Instance, versions map[string]string) (string, int) {
	for _, in := range ids {
		if id := in.Get("InstanceID"); id != "" {
			versions[id] = strings.TrimSpace(in.Get("VersionString"))
		}
	}
	v := versions["AMT"]
	major := 0
	for _, r := range v {
		if r < '0' || r > '9' {
			break
		}
		major = major*10 + int(r-'0')
		if major > 1000 {
			break
		}
	}
	return v, major
}

// TLSOnly reports whether AMT firmware version v ("16.1.25") answers over
// TLS only: 16.1 and later refuse remote connections to the plain ports
// 16992 (WS-Management), 16994 (redirection) and 623 (see
// Detection.TLSOnly for Intel's statement). An unparsable version is not
// TLS-only.
func TLSOnly(v string) bool {
	parts := strings.SplitN(strings.TrimSpace(v), ".", 3)
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return false
	}
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return major > 16 || major == 16 && minor >= 1
}
