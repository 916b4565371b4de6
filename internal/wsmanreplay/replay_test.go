package wsmanreplay

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oobkit/oobkit/internal/wsman"
)

const recorded = `<?xml version="1.0" encoding="UTF-8"?>
<a:Envelope xmlns:a="http://www.w3.org/2003/05/soap-envelope" xmlns:b="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:c="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">
<a:Header><b:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</b:To><b:RelatesTo>1</b:RelatesTo>
<b:Action a:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse</b:Action>
<b:MessageID>uuid:00000000-8086-8086-8086-000000002038</b:MessageID>
<c:ResourceURI>http://example.test/X</c:ResourceURI></a:Header><a:Body><X>1</X></a:Body></a:Envelope>`

func TestParseKeysByRequest(t *testing.T) {
	r, err := Parse("x_get.xml", []byte(recorded))
	require.NoError(t, err)
	assert.Equal(t, wsman.ActionGet, r.Action)
	assert.Equal(t, "http://example.test/X", r.ResourceURI)
	_, err = Parse("bad.xml", []byte("<a/>"))
	assert.Error(t, err)
}

// serve answers one request without authentication (the handler is called
// directly after the digest check would pass), to look at the bytes.
func serve(t *testing.T, d *Device, action, uri, msgID string) (int, *wsman.Envelope, []byte) {
	t.Helper()
	req := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>` +
		action + `</a:Action><a:MessageID>` + msgID + `</a:MessageID><w:ResourceURI>` + uri + `</w:ResourceURI></s:Header><s:Body/></s:Envelope>`
	rec := httptest.NewRecorder()
	d.answer(rec, []byte(req))
	env, _ := wsman.ParseEnvelope(bytes.NewReader(rec.Body.Bytes())) // a fault envelope parses with a *wsman.Fault error
	return rec.Code, env, rec.Body.Bytes()
}

// TestRelatesToIsTheRequestsMessageID: "a reply's RelatesTo is the
// request's MessageID" (WS-Addressing); only that header changes.
func TestRelatesToIsTheRequestsMessageID(t *testing.T) {
	d := New("u", "p")
	require.NoError(t, func() error { r, err := Parse("x_get.xml", []byte(recorded)); d.Add(r); return err }())
	code, env, body := serve(t, d, wsman.ActionGet, "http://example.test/X", "uuid:req-42")
	require.Equal(t, http.StatusOK, code)
	require.NotNil(t, env)
	assert.Equal(t, "uuid:req-42", env.RelatesTo())
	assert.Equal(t, strings.Replace(recorded, "<b:RelatesTo>1<", "<b:RelatesTo>uuid:req-42<", 1), string(body))
	assert.Equal(t, 1, d.Served()["x_get.xml"])
}

// TestUnknownClassIsDestinationUnreachable: a request no recording answers
// gets the fault AMT gives for a class it lacks.
func TestUnknownClassIsDestinationUnreachable(t *testing.T) {
	d := New("u", "p")
	code, env, body := serve(t, d, wsman.ActionEnumerate, "http://example.test/Y", "uuid:1")
	assert.Equal(t, http.StatusBadRequest, code)
	require.NotNil(t, env)
	assert.Equal(t, "uuid:1", env.RelatesTo())
	assert.Equal(t, wsman.ActionFault, env.Action())
	_, err := wsman.ParseEnvelope(bytes.NewReader(body))
	var f *wsman.Fault
	require.ErrorAs(t, err, &f)
	assert.Equal(t, "DestinationUnreachable", f.Subcode)
	assert.Equal(t, []string{wsman.ActionEnumerate + " http://example.test/Y"}, d.Missed())
}
