package oobkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/oobkit/oobkit"
)

const canary = "CANARY-s3cr3t-9f2d"

func TestSecretNeverPrints(t *testing.T) {
	cred := oobkit.Credential{
		Username:  "admin",
		Password:  oobkit.NewSecret(canary),
		Community: oobkit.NewSecret(canary),
		USM:       &oobkit.USM{AuthPassphrase: oobkit.NewSecret(canary), PrivPassphrase: oobkit.NewSecret(canary)},
	}
	type wrapper struct {
		hidden oobkit.Credential // unexported: fmt walks it by reflection
		Shown  oobkit.Credential
		ptr    *oobkit.Secret
	}
	s := oobkit.NewSecret(canary)
	w := wrapper{hidden: cred, Shown: cred, ptr: &s}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T", "%10.3s", "%d"} {
		outputs = append(outputs, fmt.Sprintf(verb, w), fmt.Sprintf(verb, cred), fmt.Sprintf(verb, cred.Password), fmt.Sprintf(verb, &cred))
	}
	js, err := json.Marshal(w.Shown)
	require.NoError(t, err)
	outputs = append(outputs, string(js))
	ys, err := yaml.Marshal(w.Shown)
	require.NoError(t, err)
	outputs = append(outputs, string(ys))
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		l := slog.New(h)
		l.Info("login", "cred", cred, "secret", cred.Password, "ptr", &s)
	}
	outputs = append(outputs, buf.String())
	e := &oobkit.Error{Protocol: oobkit.AMT, Op: "Get", Class: oobkit.ErrAuth, Message: fmt.Sprint(cred)}
	outputs = append(outputs, e.Error(), fmt.Errorf("wrapped: %v / %w", cred, e).Error())

	for _, o := range outputs {
		assert.NotContains(t, o, canary)
	}
	assert.Contains(t, string(js), oobkit.Redacted)
	assert.Equal(t, canary, cred.Password.Reveal())
}

func TestSecretUnmarshal(t *testing.T) {
	var c oobkit.Credential
	require.NoError(t, json.Unmarshal([]byte(`{"username":"u","password":"pw"}`), &c))
	assert.Equal(t, "pw", c.Password.Reveal())
	err := json.Unmarshal([]byte(`{"password":"[REDACTED]"}`), &c)
	require.Error(t, err, "a redacted placeholder must not become a password")
	require.NoError(t, yaml.Unmarshal([]byte("password: yp\n"), &c))
	assert.Equal(t, "yp", c.Password.Reveal())
	assert.True(t, oobkit.Secret{}.IsZero())
	assert.Equal(t, "", oobkit.Secret{}.String())
}

func TestReturnCodes(t *testing.T) {
	devErr := &oobkit.Error{Protocol: oobkit.IPMI, Op: "Chassis Control", Class: oobkit.ErrBusy, DeviceCode: "0xc0"}
	tests := []struct {
		err  error
		code int
		name string
	}{
		{nil, 0, "ok"},
		{errors.New("x"), oobkit.CodeFailed, "failed"},
		{fmt.Errorf("dial: %w", oobkit.ErrUnreachable), oobkit.CodeUnreachable, "unreachable"},
		{devErr, oobkit.CodeBusy, "busy"},
		{fmt.Errorf("outer: %w", devErr), oobkit.CodeBusy, "busy"},
		{context.DeadlineExceeded, oobkit.CodeTimeout, "timeout"},
		{&oobkit.Error{Class: oobkit.ErrUnreachable, Err: context.DeadlineExceeded}, oobkit.CodeUnreachable, "unreachable"},
		{context.Canceled, oobkit.CodeCanceled, "canceled"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.code, oobkit.ReturnCode(tt.err), "%v", tt.err)
		assert.Equal(t, tt.name, oobkit.ClassName(tt.err))
	}
	assert.Equal(t, "0xc0", oobkit.DeviceCode(fmt.Errorf("w: %w", devErr)))
	assert.Equal(t, "ipmi: Chassis Control: busy (code 0xc0)", devErr.Error())
}

func TestParsers(t *testing.T) {
	for a := oobkit.ActionOn; a <= oobkit.ActionHibernate; a++ {
		got, err := oobkit.ParsePowerAction(a.String())
		require.NoError(t, err)
		assert.Equal(t, a, got)
	}
	_, err := oobkit.ParsePowerAction("explode")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	for st := oobkit.PowerUnknown; st <= oobkit.PowerLegacyOff; st++ {
		b, _ := st.MarshalText()
		var back oobkit.PowerState
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, st, back)
	}
	p, err := oobkit.ParseProtocol(" AMT ")
	require.NoError(t, err)
	assert.Equal(t, oobkit.AMT, p)
	p, err = oobkit.ParseProtocol("ASF")
	require.NoError(t, err)
	assert.Equal(t, oobkit.ASF, p)
	assert.Equal(t, 623, oobkit.ASF.DefaultPort(false))
	assert.Equal(t, 664, oobkit.ASF.DefaultPort(true))
	_, err = oobkit.ParseProtocol("telnet")
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
	d, err := oobkit.ParseBootDevice("ider-cd")
	require.NoError(t, err)
	assert.Equal(t, oobkit.BootIDERCD, d)
	sv, err := oobkit.ParseSeverity("critical")
	require.NoError(t, err)
	assert.True(t, sv.AtLeast(oobkit.SeverityWarning))
}

func TestTarget(t *testing.T) {
	tg := oobkit.Target{Address: "::1", Ports: map[oobkit.Protocol]int{oobkit.AMT: 20000}}
	assert.Equal(t, "[::1]:20000", tg.HostPort(oobkit.AMT, false))
	assert.Equal(t, "[::1]:664", tg.HostPort(oobkit.DASH, true))
	assert.NoError(t, tg.Validate())
	assert.ErrorIs(t, oobkit.Target{}.Validate(), oobkit.ErrInvalidArgument)
	assert.ErrorIs(t, oobkit.Target{Address: "host:16992"}.Validate(), oobkit.ErrInvalidArgument)
	assert.ErrorIs(t, oobkit.Target{Address: "h", Ports: map[oobkit.Protocol]int{oobkit.AMT: 70000}}.Validate(), oobkit.ErrInvalidArgument)
	pin, err := oobkit.TLSSettings{PinnedSHA256: "AA:" + fmt.Sprintf("%062x", 1)}.NormalizedPin()
	require.NoError(t, err)
	assert.Len(t, pin, 64)
	_, err = oobkit.TLSSettings{PinnedSHA256: "abc"}.NormalizedPin()
	assert.ErrorIs(t, err, oobkit.ErrInvalidArgument)
}

func TestInventoryMerge(t *testing.T) {
	a := &oobkit.Inventory{Target: "pc1", Processors: []oobkit.Processor{{Source: oobkit.AMT, Name: "cpu"}}}
	b := &oobkit.Inventory{Properties: []oobkit.Property{{Source: oobkit.WMI, Name: "os", Value: "Windows"}}}
	a.Merge(b)
	v, ok := a.Property("os")
	assert.True(t, ok)
	assert.Equal(t, "Windows", v)
	assert.Len(t, a.Processors, 1)
}

func ExampleAllowed() {
	fmt.Println(oobkit.Allowed(oobkit.PowerS5, oobkit.ActionOn))
	fmt.Println(oobkit.Allowed(oobkit.PowerS5, oobkit.ActionReset))
	fmt.Println(oobkit.Allowed(oobkit.PowerUnknown, oobkit.ActionOn))
	// Output:
	// <nil>
	// invalid state: reset is not possible in state S5:6 (Table C-3 row 6, S5/G2 "soft-off": AMT reboot No)
	// invalid state: on is not possible in state unknown:14 (Table C-3 row 14, Unknown: AMT power on No)
}

func ExampleSecret() {
	cred := oobkit.UserPassword("admin", "P@ssw0rd")
	fmt.Printf("%v\n", cred.Password)
	b, _ := json.Marshal(cred)
	fmt.Println(string(b))
	// Output:
	// [REDACTED]
	// {"username":"admin","password":"[REDACTED]"}
}

func ExampleReturnCode() {
	err := &oobkit.Error{Protocol: oobkit.AMT, Op: "RequestPowerStateChange", Class: oobkit.ErrBusy, DeviceCode: "4099"}
	fmt.Println(oobkit.ReturnCode(err), oobkit.ClassName(err), errors.Is(err, oobkit.ErrBusy))
	// Output: 7 busy true
}

func TestAlertConfigRemoves(t *testing.T) {
	cfg := oobkit.AlertConfig{
		Destinations: []oobkit.AlertDestination{{Delivery: oobkit.DeliveryPush, Address: "http://ours/"}},
		Remove:       []string{"http://old/"},
	}
	assert.True(t, cfg.Removes("http://old/"))
	assert.False(t, cfg.Removes("http://ours/"))
	assert.False(t, cfg.Removes("http://someone-else/"), "third-party destinations stay unless asked")
	cfg.RemoveThirdParty = true
	assert.True(t, cfg.Removes("http://someone-else/"))
	assert.False(t, cfg.Removes("http://ours/"))
}
