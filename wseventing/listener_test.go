package wseventing

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/oobkit/oobkit"
	"github.com/oobkit/oobkit/internal/wsman"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func post(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, "application/soap+xml", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func start(t *testing.T, opts ...Option) *Listener {
	t.Helper()
	l := New(opts...)
	require.NoError(t, l.Start("127.0.0.1:0"))
	t.Cleanup(func() {
		l.Close()
		http.DefaultClient.CloseIdleConnections()
	})
	return l
}

func TestListenerAcknowledges(t *testing.T) {
	l := start(t)
	resp, body := post(t, l.URL(), readFixture(t, "alert_pushwithack.xml"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	env, err := wsman.ParseEnvelope(strings.NewReader(body))
	require.NoError(t, err)
	assert.Equal(t, wsman.ActionAck, env.Action())
	assert.Equal(t, "uuid:00000000-0000-4000-8000-000000000001", env.RelatesTo())

	select {
	case ev := <-l.Events():
		assert.Equal(t, "pc-17", ev.Target)
		assert.Equal(t, oobkit.DASH, ev.Source)
		assert.Equal(t, "PLAT0001", ev.Code)
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	assert.Equal(t, Stats{Deliveries: 1, Events: 1, Acks: 1}, l.Stats())
}

func TestListenerPushWithoutAck(t *testing.T) {
	var got []oobkit.Event
	l := start(t, WithSource(oobkit.AMT), WithHandler(func(_ context.Context, ev oobkit.Event) error {
		got = append(got, ev)
		return nil
	}))
	resp, body := post(t, l.URL(), readFixture(t, "events_batch.xml"))
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Empty(t, body)
	require.Len(t, got, 2)
	assert.Equal(t, oobkit.AMT, got[0].Source)
	assert.Equal(t, "127.0.0.1", got[0].Target, "without a reference parameter the sender's address names the target")
	assert.Equal(t, int64(0), l.Stats().Acks)
}

func TestListenerRefusals(t *testing.T) {
	refuse := errors.New("store down")
	l := start(t, WithHandler(func(context.Context, oobkit.Event) error { return refuse }))
	resp, _ := post(t, l.URL(), readFixture(t, "alert_pushwithack.xml"))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "a refused PushWithAck event is not acknowledged")
	resp, _ = post(t, l.URL(), "garbage")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	r, err := http.Get(l.URL())
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, r.StatusCode)
	assert.Equal(t, int64(1), l.Stats().Rejected)
}

func TestListenerFullBuffer(t *testing.T) {
	l := start(t, WithBuffer(1))
	push := strings.Replace(readFixture(t, "alert_pushwithack.xml"), "<w:AckRequested/>", "", 1)
	for i := 0; i < 3; i++ {
		resp, _ := post(t, l.URL(), push)
		assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	}
	assert.Equal(t, int64(2), l.Stats().Dropped)
	resp, _ := post(t, l.URL(), readFixture(t, "alert_pushwithack.xml"))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "an acknowledged event is refused, not dropped, when full")
	<-l.Events()
}

func BenchmarkParse(b *testing.B) {
	body := readFixture(b, "alert_pushwithack.xml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(strings.NewReader(body), 0); err != nil {
			b.Fatal(err)
		}
	}
}
