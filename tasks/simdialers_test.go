package tasks

import (
	"context"
	"net/http"
	"time"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/dash"
	"github.com/oobkit/oobkit/wmi"
)

// amtDialer plugs package amt into a Connector, reaching a simulated fleet
// through rt (nil: the network).
func amtDialer(rt http.RoundTripper, opts ...amt.Option) Dialer {
	if rt != nil {
		opts = append([]amt.Option{amt.WithTransport(rt)}, opts...)
	}
	return func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return amt.New(t, c, opts...)
	}
}

// dashDialer plugs package dash into a Connector through rt.
func dashDialer(rt http.RoundTripper) Dialer {
	return func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return dash.New(t, c, dash.WithTransport(rt))
	}
}

// wmiDialer plugs package wmi into a Connector.
func wmiDialer() Dialer {
	return func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return wmi.New(t, c, wmi.WithPollInterval(10*time.Millisecond))
	}
}

// byLabel says which protocols a simulated target has, from its "protocols"
// label (one protocol per simulated computer here).
func byLabel(t oobkit.Target) []oobkit.Protocol {
	return []oobkit.Protocol{oobkit.Protocol(t.Labels["protocol"])}
}

// labelled returns t with its protocol label set.
func labelled(t oobkit.Target, p oobkit.Protocol) oobkit.Target {
	t.Labels = map[string]string{"protocol": string(p)}
	return t
}

// dashNew is dash.New with the client's defaults.
func dashNew(t oobkit.Target, c oobkit.Credential) (*dash.Client, error) { return dash.New(t, c) }
