package apicheck

import (
	"context"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/ipmi"
	"github.com/oobkit/oobkit/redirect"
	"github.com/oobkit/oobkit/snmp"
	"github.com/oobkit/oobkit/wmi"
)

// One name means one thing across the clients (issue 19): Identify is the
// WS-Management Identify call (DSP0226 §11) wherever a client has it,
// func(ctx) (*Identity, error); the IPMI chassis light is ChassisIdentify.
func TestIdentifyMeansWSManIdentify(t *testing.T) {
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	errType := reflect.TypeOf((*error)(nil)).Elem()
	clients := map[string]reflect.Type{
		"amt": reflect.TypeOf(&amt.Client{}), "dash": reflect.TypeOf(&dash.Client{}), "wmi": reflect.TypeOf(&wmi.Client{}),
		"ipmi": reflect.TypeOf(&ipmi.Client{}), "snmp": reflect.TypeOf(&snmp.Client{}), "redirect": reflect.TypeOf(&redirect.Client{}),
	}
	for name, typ := range clients {
		m, ok := typ.MethodByName("Identify")
		if !ok {
			continue
		}
		ft := m.Type // receiver first
		assert.True(t, ft.NumIn() == 2 && ft.In(1) == ctxType && ft.NumOut() == 2 && ft.Out(1) == errType &&
			ft.Out(0).Kind() == reflect.Pointer && ft.Out(0).Elem().Name() == "Identity",
			"%s.Client.Identify is %v, not the WS-Management Identify", name, ft)
	}
	_, ok := reflect.TypeOf(&ipmi.Client{}).MethodByName("ChassisIdentify")
	assert.True(t, ok, "ipmi blinks the chassis light with ChassisIdentify")
}
