package wmitest

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	ntlmssp "github.com/Azure/go-ntlmssp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestWQL(t *testing.T) {
	obj := newObject("Win32_Service").str("Name", "Spooler").str("State", "Running").num("ProcessId", 2316).boolean("AcceptStop", true)
	tests := []struct {
		q    string
		want bool
	}{
		{"SELECT * FROM Win32_Service", true},
		{"select * from Win32_Service where Name = 'spooler'", true},
		{"SELECT * FROM Win32_Service WHERE Name = 'Fax'", false},
		{"SELECT * FROM Win32_Service WHERE Name <> 'Fax' AND ProcessId > 1000", true},
		{"SELECT * FROM Win32_Service WHERE ProcessId < 100 OR State = 'Running'", true},
		{"SELECT * FROM Win32_Service WHERE NOT (State = 'Running')", false},
		{"SELECT * FROM Win32_Service WHERE Name LIKE 'sp%'", true},
		{"SELECT * FROM Win32_Service WHERE Name LIKE '_pooler'", true},
		{"SELECT * FROM Win32_Service WHERE AcceptStop = TRUE", true},
		{`SELECT * FROM Win32_Service WHERE Name = 'it\'s'`, false},
		{"SELECT * FROM Win32_Service WHERE Missing = 1", false},
		{"SELECT * FROM Win32_Service WHERE ProcessId >= 2316 AND ProcessId <= 2316", true},
	}
	for _, tt := range tests {
		q, err := parseWQL(tt.q)
		require.NoError(t, err, tt.q)
		assert.Equal(t, "Win32_Service", q.class)
		got := q.where == nil || q.where(obj.get)
		assert.Equal(t, tt.want, got, tt.q)
	}
	for _, bad := range []string{"", "SELECT Name, FROM Win32_Service", "SELECT FROM Win32_Service", "SELECT Name Caption FROM X", "SELECT * Win32_Service", "SELECT * FROM",
		"SELECT * FROM X WHERE", "SELECT * FROM X WHERE A = 'unterminated", "SELECT * FROM X WHERE (A = 1", "SELECT * FROM X WHERE A ~ 1",
		"SELECT * FROM X WHERE A = B", "SELECT * FROM X extra"} {
		_, err := parseWQL(bad)
		assert.Error(t, err, bad)
	}
}

// TestNTLMv2 runs go-ntlmssp's client messages through the server side.
func TestNTLMv2(t *testing.T) {
	neg, err := ntlmssp.NewNegotiateMessage("", "")
	require.NoError(t, err)
	typ, err := ntlmMessageType(neg)
	require.NoError(t, err)
	assert.Equal(t, uint32(1), typ)
	challenge, sc := newChallenge("PC42")
	for _, tt := range []struct {
		user, password string
		ok             bool
	}{
		{`PC42\Administrator`, "right", true},
		{`administrator`, "right", true},
		{`PC42\Administrator`, "wrong", false},
	} {
		auth, err := ntlmssp.NewAuthenticateMessage(challenge, tt.user, tt.password, nil)
		require.NoError(t, err)
		am, err := parseAuthenticate(auth)
		require.NoError(t, err)
		assert.True(t, strings.EqualFold(am.user, "Administrator"), tt.user)
		if strings.HasPrefix(tt.user, `PC42\`) {
			assert.Equal(t, "PC42", am.domain)
		}
		assert.Equal(t, tt.ok, verifyNTLMv2(am, "right", sc), tt.user)
		var other [8]byte
		assert.False(t, verifyNTLMv2(am, "right", other), "another challenge never verifies")
	}
}

// FuzzNTLMAuthenticate: the AUTHENTICATE parser and the NTLMv2 check take
// any bytes without panicking.
func FuzzNTLMAuthenticate(f *testing.F) {
	challenge, _ := newChallenge("PC42")
	auth, _ := ntlmssp.NewAuthenticateMessage(challenge, `PC42\Administrator`, "pw", nil)
	f.Add(auth)
	f.Add(append([]byte("NTLMSSP\x00"), 3, 0, 0, 0))
	short := bytes.Repeat([]byte{0xff}, 64)
	copy(short, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(short[8:], 3)
	f.Add(short)
	f.Fuzz(func(t *testing.T, b []byte) {
		am, err := parseAuthenticate(b)
		if err != nil {
			return
		}
		_ = verifyNTLMv2(am, "pw", [8]byte{})
	})
}

// FuzzWQL: the simulator's WQL parser takes any query without panicking.
func FuzzWQL(f *testing.F) {
	for _, s := range []string{"SELECT * FROM Win32_Process WHERE Name = 'notepad.exe'",
		"SELECT * FROM Win32_NTLogEvent WHERE Logfile = 'System' AND (EventType = 1 OR EventType = 2)",
		`SELECT * FROM A WHERE B LIKE '%\'%' AND NOT C <> 3`,
		"SELECT Name, Path FROM Win32_Share WHERE Name LIKE '[A]DMIN[$]'", "SELECT Name FROM A WHERE Name LIKE '[x'"} {
		f.Add(s)
	}
	obj := newObject("A").str("Name", "x").num("EventType", 1)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseWQL(s)
		if err != nil {
			return
		}
		_ = obj.project(q.props).element()
		if q.where != nil {
			_ = q.where(obj.get)
		}
	})
}

// TestWQLReference: a reference property compares with the referenced
// instance's relative object path, and a full path (server and namespace
// first) names the same instance.
func TestWQLReference(t *testing.T) {
	obj := newObject("Win32_GroupUser").ref("GroupComponent", "Win32_Group", "Domain", "PC42", "Name", "Administrators")
	for q, want := range map[string]bool{
		`SELECT * FROM Win32_GroupUser WHERE GroupComponent = 'Win32_Group.Domain="PC42",Name="Administrators"'`:                       true,
		`SELECT * FROM Win32_GroupUser WHERE GroupComponent = '\\\\PC42\\root\\cimv2:Win32_Group.Domain="PC42",Name="Administrators"'`: true,
		`SELECT * FROM Win32_GroupUser WHERE GroupComponent = 'Win32_Group.Domain="PC42",Name="Users"'`:                                false,
	} {
		p, err := parseWQL(q)
		require.NoError(t, err, q)
		assert.Equal(t, want, p.where(obj.get), q)
	}
}
