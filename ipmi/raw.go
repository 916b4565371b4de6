package ipmi

import (
	"context"
	"fmt"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/types"
)

// Raw sends one IPMI request (network function, command, request data) on
// the session and returns the response data after the completion code, as
// `ipmitool raw` does. A completion code other than 00h is an *oobkit.Error
// whose DeviceCode is the code ("0xc1"). The response is at most one
// datagram (go-ipmi reads 4 KiB), so it is bounded by construction.
func (c *Client) Raw(ctx context.Context, netFn, cmd uint8, data []byte) ([]byte, error) {
	var out []byte
	op := fmt.Sprintf("raw %#02x %#02x", netFn, cmd)
	err := c.do(ctx, op, func(cl *client.Client) error {
		resp := &client.CommandRawResponse{}
		req := &client.CommandRawRequest{NetFn: types.NetFn(netFn), Cmd: cmd, Data: append([]byte(nil), data...), Name: op}
		if err := cl.Exchange(ctx, req, resp); err != nil {
			return err
		}
		out = append([]byte(nil), resp.Response...)
		return nil
	})
	return out, err
}
