package wmi

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// Registry hives as StdRegProv numbers them in hDefKey
// (https://learn.microsoft.com/previous-versions/windows/desktop/regprov/stdregprov).
const (
	HKeyClassesRoot   uint32 = 0x80000000
	HKeyCurrentUser   uint32 = 0x80000001
	HKeyLocalMachine  uint32 = 0x80000002
	HKeyUsers         uint32 = 0x80000003
	HKeyCurrentConfig uint32 = 0x80000005
)

// Registry value types (REG_*), as StdRegProv.EnumValues reports them.
const (
	RegSZ       = 1
	RegExpandSZ = 2
	RegBinary   = 3
	RegDWORD    = 4
	RegMultiSZ  = 7
	RegQWORD    = 11
)

// RegistryValue is one value of a registry key: its name ("" for the
// key's default value), REG_* type, and data as text (a string, a decimal
// number, the strings of a REG_MULTI_SZ, or the decimal bytes of a
// REG_BINARY).
type RegistryValue struct {
	Name string
	Type int
	Data []string
}

// stdRegProv is StdRegProv's resource URI in root/cimv2, where Windows
// Vista and later publish it besides root/default.
var stdRegProv = wsman.WMIBase + "StdRegProv"

// maxRegistryValues caps how many values one key read returns.
const maxRegistryValues = 1024

// RegistryValues reads the values of a registry key — the guide's Registry
// node ("read a key") — with StdRegProv: EnumValues for the names and
// types, then the typed Get…Value method for each (GetStringValue,
// GetExpandedStringValue, GetBinaryValue, GetDWORDValue,
// GetMultiStringValue, GetQWORDValue). A key that does not exist
// (ReturnValue 2, ERROR_FILE_NOT_FOUND) is oobkit.ErrInvalidArgument; a value of
// another type is listed with no data.
func (c *Client) RegistryValues(ctx context.Context, hive uint32, key string) ([]RegistryValue, error) {
	key = strings.Trim(key, `\`)
	in := wsman.MethodInput(stdRegProv, "EnumValues").Set("hDefKey", strconv.FormatUint(uint64(hive), 10)).Set("sSubKeyName", key)
	out, rv, err := c.invoke(ctx, "StdRegProv", "EnumValues", nil, in)
	if err != nil {
		return nil, err
	}
	if err := registryError("EnumValues", key, rv); err != nil {
		return nil, err
	}
	values, err := decodeEnumValues(out)
	if err != nil {
		return nil, err
	}
	for i := range values {
		v := &values[i]
		method, field := registryGetter(v.Type)
		if method != "" {
			gin := wsman.MethodInput(stdRegProv, method).Set("hDefKey", strconv.FormatUint(uint64(hive), 10)).
				Set("sSubKeyName", key).Set("sValueName", v.Name)
			gout, grv, err := c.invoke(ctx, "StdRegProv", method, nil, gin)
			if err != nil {
				return nil, err
			}
			if grv == 0 {
				v.Data = gout.All(field)
			}
		}
	}
	return values, nil
}

// decodeEnumValues reads StdRegProv.EnumValues' output: the value names
// (sNames) and their REG_* types (Types), which must pair up, at most
// maxRegistryValues of them. A type that is not a number is 0 (listed
// with no data).
func decodeEnumValues(out *wsman.Instance) ([]RegistryValue, error) {
	if out == nil {
		return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "EnumValues", Class: oobkit.ErrProtocol, Message: "no output"}
	}
	names, types := out.All("sNames"), out.All("Types")
	if len(names) != len(types) || len(names) > maxRegistryValues {
		return nil, &oobkit.Error{Protocol: oobkit.WMI, Op: "EnumValues", Class: oobkit.ErrProtocol,
			Message: fmt.Sprintf("%d names and %d types", len(names), len(types))}
	}
	values := make([]RegistryValue, 0, len(names))
	for i, name := range names {
		t, _ := strconv.Atoi(strings.TrimSpace(types[i]))
		values = append(values, RegistryValue{Name: name, Type: t})
	}
	return values, nil
}

// registryGetter names the StdRegProv method that reads a value of REG_*
// type t and its output field; "" for a type it does not read.
func registryGetter(t int) (method, field string) {
	switch t {
	case RegSZ:
		return "GetStringValue", "sValue"
	case RegExpandSZ:
		return "GetExpandedStringValue", "sValue"
	case RegBinary:
		return "GetBinaryValue", "uValue"
	case RegDWORD:
		return "GetDWORDValue", "uValue"
	case RegMultiSZ:
		return "GetMultiStringValue", "sValue"
	case RegQWORD:
		return "GetQWORDValue", "uValue"
	}
	return "", ""
}

// RegistrySubkeys lists the subkeys of a registry key (StdRegProv.EnumKey).
func (c *Client) RegistrySubkeys(ctx context.Context, hive uint32, key string) ([]string, error) {
	key = strings.Trim(key, `\`)
	in := wsman.MethodInput(stdRegProv, "EnumKey").Set("hDefKey", strconv.FormatUint(uint64(hive), 10)).Set("sSubKeyName", key)
	out, rv, err := c.invoke(ctx, "StdRegProv", "EnumKey", nil, in)
	if err != nil {
		return nil, err
	}
	if err := registryError("EnumKey", key, rv); err != nil {
		return nil, err
	}
	return out.All("sNames"), nil
}

// registryError turns a StdRegProv ReturnValue (a Win32 error code) into
// an error.
func registryError(method, key string, rv int64) error {
	switch rv {
	case 0:
		return nil
	case 2:
		return &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: oobkit.ErrInvalidArgument, DeviceCode: "2", Message: "registry key " + key + " does not exist"}
	case 5:
		return &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: oobkit.ErrAuth, DeviceCode: "5", Message: "access to registry key " + key + " is denied"}
	}
	return &oobkit.Error{Protocol: oobkit.WMI, Op: method, Class: oobkit.ErrDevice, DeviceCode: strconv.FormatInt(rv, 10),
		Message: fmt.Sprintf("%s on %s returned %d", method, key, rv)}
}
