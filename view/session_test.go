package view_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/amt"
	"github.com/oobkit/oobkit/tasks"
	"github.com/oobkit/oobkit/view"
	"github.com/oobkit/oobkit/wmi"
)

// TestFromProfileSession: the view of a computer from its connection
// profile — a tasks.Session offering a wrong password first — served
// through view.Shared: the session learns the working credential on the
// first read, and AMT, absent, is tried once per node and found missing.
func TestFromProfileSession(t *testing.T) {
	pc, _ := newWMI(t)
	good := oobkit.Credential{Auth: oobkit.AuthNTLM, Username: `PC42\Administrator`, Password: oobkit.NewSecret(adminPassword)}
	bad := good
	bad.Password = oobkit.NewSecret("wrong")
	conn := tasks.NewConnector(tasks.StaticCredentials{oobkit.WMI: {
		{Name: "old", Source: "test", Credential: bad}, {Name: "admin", Source: "test", Credential: good},
	}})
	conn.Register(oobkit.WMI, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return wmi.New(t, c, wmi.WithPollInterval(5*time.Millisecond))
	})
	conn.Register(oobkit.AMT, func(_ context.Context, t oobkit.Target, c oobkit.Credential) (oobkit.Client, error) {
		return amt.New(t, c)
	})
	sess := conn.Session(pc.Target(), oobkit.WMI)
	t.Cleanup(func() { _ = sess.Close() })
	nodes, err := (&view.View{}).Assemble(ctx(t), view.Shared(sess))
	require.NoError(t, err)
	n := node(t, nodes, "Basic Information/Computer name")
	served(t, n, oobkit.WMI)
	assert.Equal(t, pc.Name, n.Content.Records[0].Get("Computer Name"))
	assert.Equal(t, "admin", sess.CredentialName(oobkit.WMI))
	p := node(t, nodes, "Basic Information/Product")
	assert.ErrorIs(t, p.Err, oobkit.ErrUnsupported)
}
