package wsman_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

// A successful answer must be the reply to this request: RelatesTo carries
// the request's MessageID and the action is the request's with "Response"
// appended. A server that answers with another request's reply (a stale
// proxy, a confused device) is a protocol error naming both values.
func TestReplyMustRelateToRequest(t *testing.T) {
	reply := func(action, relates string) string {
		return fmt.Sprintf(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">`+
			`<s:Header><a:Action>%s</a:Action><a:RelatesTo>%s</a:RelatesTo></s:Header><s:Body><x/></s:Body></s:Envelope>`, action, relates)
	}
	cases := []struct {
		name   string
		answer func(req *wsman.Envelope) string
		want   []string
	}{
		{"right", func(req *wsman.Envelope) string { return reply(wsman.ActionGet+"Response", req.MessageID()) }, nil},
		{"another request's reply", func(*wsman.Envelope) string {
			return reply(wsman.ActionGet+"Response", "uuid:00000000-0000-4000-8000-000000000001")
		}, []string{"protocol error", `relates to message "uuid:00000000-0000-4000-8000-000000000001"`, "not to the request"}},
		{"no RelatesTo", func(*wsman.Envelope) string { return reply(wsman.ActionGet+"Response", "") },
			[]string{`relates to message ""`}},
		{"wrong action", func(req *wsman.Envelope) string { return reply(wsman.ActionPut+"Response", req.MessageID()) },
			[]string{`action is "` + wsman.ActionPut + `Response"`, `not the expected "` + wsman.ActionGet + `Response"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				req, err := wsman.ParseEnvelope(r.Body)
				require.NoError(t, err)
				w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
				_, _ = w.Write([]byte(tc.answer(req)))
			}))
			defer srv.Close()
			c, err := wsman.New(srv.URL+"/wsman", oobkit.UserPassword(user, password))
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			_, err = c.Get(context.Background(), uriGS, nil)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, oobkit.ErrProtocol)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
