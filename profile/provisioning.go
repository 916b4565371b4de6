package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
)

// ProvisionedRecord is one line of a provisioning export: the password a
// provisioning server (Intel SCS and the like) set on one computer. In a
// document it reads:
//
//   - address: 10.0.0.5
//     user: admin          # default "admin"
//     password: "…"
//     protocol: amt        # default amt
//     time: 2024-05-01T12:00:00Z   # when it was set; default: the import time
type ProvisionedRecord struct {
	// Address is the computer's address.
	Address string `json:"address" yaml:"address"`
	// User is the account; "admin" when empty (AMT's administrator).
	User string `json:"user,omitempty" yaml:"user,omitempty"`
	// Password is the password provisioning set.
	Password oobkit.Secret `json:"password" yaml:"password"`
	// Protocol is the protocol the password is for; AMT when empty.
	Protocol oobkit.Protocol `json:"protocol,omitempty" yaml:"protocol,omitempty"`
	// Time is when provisioning set it; zero means the import time.
	Time time.Time `json:"time,omitzero" yaml:"time,omitempty"`
}

// ImportProvisioning reads a JSON or YAML list of [ProvisionedRecord] and
// adds each to the runtime profile with [Runtime.AddProvisioned]: the field
// notes' "Intel SCS AMT password sent to systems when provisioning occurs".
// Every record is checked before any is added; an error names the record's
// position, never its content. It returns how many records it added.
func (r *Runtime) ImportProvisioning(in io.Reader, format Format) (int, error) {
	data, err := io.ReadAll(io.LimitReader(in, maxImportSize+1))
	if err != nil {
		return 0, fmt.Errorf("profile: reading provisioning import: %w", err)
	}
	if len(data) > maxImportSize {
		return 0, fmt.Errorf("%w: provisioning import larger than %d bytes", oobkit.ErrInvalidArgument, maxImportSize)
	}
	var recs []ProvisionedRecord
	switch format {
	case JSON, "":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&recs)
	case YAML:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(&recs)
	default:
		return 0, fmt.Errorf("%w: unknown import format %q (json or yaml)", oobkit.ErrInvalidArgument, format)
	}
	if err != nil {
		return 0, fmt.Errorf("%w: the import is not a valid %s list of provisioned passwords%s",
			oobkit.ErrInvalidArgument, format, decodeErrorPlace(err))
	}
	for i := range recs {
		rec := &recs[i]
		if rec.Protocol == "" {
			rec.Protocol = oobkit.AMT
		}
		if rec.User == "" {
			rec.User = "admin"
		}
		if _, err := keyOf(oobkit.Target{Address: rec.Address}, rec.Protocol); err != nil {
			return 0, fmt.Errorf("profile: provisioning record %d: %w", i+1, err)
		}
		if rec.Password.IsZero() {
			return 0, fmt.Errorf("%w: provisioning record %d (%s) has no password", oobkit.ErrInvalidArgument, i+1, rec.Address)
		}
	}
	for _, rec := range recs {
		s := Settings{Enabled: true, Credential: oobkit.Credential{Username: rec.User, Password: rec.Password}}
		if err := r.AddProvisioned(oobkit.Target{Address: rec.Address}, rec.Protocol, s, rec.Time); err != nil {
			return 0, err
		}
	}
	return len(recs), nil
}
