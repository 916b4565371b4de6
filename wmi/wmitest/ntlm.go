package wmitest

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"
	"time"
	"unicode/utf16"
)

// NTLM server side, enough to authenticate a WinRM client: NEGOTIATE →
// CHALLENGE → AUTHENTICATE with NTLMv2 response verification
// (MS-NLMP §2.2.1 message layouts, §3.3.2 NTLMv2 authentication).
// Signing and sealing are not offered: the simulator, like this module's
// client, authenticates only.

var ntlmSignature = []byte("NTLMSSP\x00")

// Negotiate flags (MS-NLMP §2.2.2.5) the challenge offers.
const (
	flagUnicode          = 0x00000001
	flagRequestTarget    = 0x00000004
	flagNTLM             = 0x00000200
	flagAlwaysSign       = 0x00008000
	flagTargetTypeServer = 0x00020000
	flagExtendedSecurity = 0x00080000
	flagTargetInfo       = 0x00800000
	flag128              = 0x20000000
	flag56               = 0x80000000
)

// AV pair IDs (MS-NLMP §2.2.2.1).
const (
	avEOL             = 0
	avNbComputerName  = 1
	avNbDomainName    = 2
	avDNSComputerName = 3
	avDNSDomainName   = 4
	avTimestamp       = 7
)

var errNTLM = errors.New("wmitest: bad NTLM message")

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return b
}

func fromUTF16le(b []byte) string {
	if len(b)%2 != 0 {
		return ""
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// ntlmMessageType returns the type (1, 2, 3) of an NTLM message.
func ntlmMessageType(msg []byte) (uint32, error) {
	if len(msg) < 12 || !bytes.Equal(msg[:8], ntlmSignature) {
		return 0, errNTLM
	}
	return binary.LittleEndian.Uint32(msg[8:12]), nil
}

// newChallenge builds a CHALLENGE_MESSAGE for computer and returns it with
// its server challenge.
func newChallenge(computer string) (msg []byte, serverChallenge [8]byte) {
	_, _ = rand.Read(serverChallenge[:])
	name := utf16le(strings.ToUpper(computer))
	var info bytes.Buffer
	av := func(id uint16, v []byte) {
		_ = binary.Write(&info, binary.LittleEndian, id)
		_ = binary.Write(&info, binary.LittleEndian, uint16(len(v)))
		info.Write(v)
	}
	av(avNbDomainName, name)
	av(avNbComputerName, name)
	av(avDNSDomainName, utf16le(strings.ToLower(computer)))
	av(avDNSComputerName, utf16le(strings.ToLower(computer)))
	ts := make([]byte, 8)
	binary.LittleEndian.PutUint64(ts, uint64(time.Now().UnixNano()/100)+116444736000000000)
	av(avTimestamp, ts)
	av(avEOL, nil)
	const header = 48
	flags := uint32(flagUnicode | flagRequestTarget | flagNTLM | flagAlwaysSign | flagTargetTypeServer |
		flagExtendedSecurity | flagTargetInfo | flag128 | flag56)
	b := make([]byte, header, header+len(name)+info.Len())
	copy(b, ntlmSignature)
	binary.LittleEndian.PutUint32(b[8:], 2)
	putVarField(b[12:], len(name), header)
	binary.LittleEndian.PutUint32(b[20:], flags)
	copy(b[24:32], serverChallenge[:])
	putVarField(b[40:], info.Len(), header+len(name))
	b = append(b, name...)
	b = append(b, info.Bytes()...)
	return b, serverChallenge
}

func putVarField(b []byte, n, offset int) {
	binary.LittleEndian.PutUint16(b[0:], uint16(n))
	binary.LittleEndian.PutUint16(b[2:], uint16(n))
	binary.LittleEndian.PutUint32(b[4:], uint32(offset))
}

func varField(msg []byte, at int) ([]byte, error) {
	if len(msg) < at+8 {
		return nil, errNTLM
	}
	n := int(binary.LittleEndian.Uint16(msg[at:]))
	off := int(binary.LittleEndian.Uint32(msg[at+4:]))
	if off < 0 || n < 0 || off > len(msg) || n > len(msg)-off {
		return nil, errNTLM
	}
	return msg[off : off+n], nil
}

// authenticateMessage is what the server reads from an AUTHENTICATE_MESSAGE.
type authenticateMessage struct {
	domain, user, workstation string
	ntResponse                []byte
}

func parseAuthenticate(msg []byte) (*authenticateMessage, error) {
	if t, err := ntlmMessageType(msg); err != nil || t != 3 || len(msg) < 64 {
		return nil, errNTLM
	}
	nt, err := varField(msg, 20)
	if err != nil {
		return nil, err
	}
	dom, err := varField(msg, 28)
	if err != nil {
		return nil, err
	}
	user, err := varField(msg, 36)
	if err != nil {
		return nil, err
	}
	ws, err := varField(msg, 44)
	if err != nil {
		return nil, err
	}
	if binary.LittleEndian.Uint32(msg[60:])&flagUnicode == 0 {
		return nil, errNTLM // OEM strings are not accepted, as modern Windows
	}
	return &authenticateMessage{domain: fromUTF16le(dom), user: fromUTF16le(user), workstation: fromUTF16le(ws), ntResponse: nt}, nil
}

// verifyNTLMv2 checks an NTLMv2 response (MS-NLMP §3.3.2):
// NTOWFv2 = HMAC-MD5(MD4(UNICODE(password)), UNICODE(Upper(user) + domain)),
// NTProofStr = HMAC-MD5(NTOWFv2, ServerChallenge + blob), and the response
// is NTProofStr followed by the blob.
func verifyNTLMv2(am *authenticateMessage, password string, serverChallenge [8]byte) bool {
	if len(am.ntResponse) < 16+28 { // proof + the blob's fixed part
		return false // NTLMv1 responses (24 bytes) are refused
	}
	nt := md4(utf16le(password))
	m := hmac.New(md5.New, nt[:])
	m.Write(utf16le(strings.ToUpper(am.user) + am.domain))
	ntowf := m.Sum(nil)
	blob := am.ntResponse[16:]
	p := hmac.New(md5.New, ntowf)
	p.Write(serverChallenge[:])
	p.Write(blob)
	return hmac.Equal(p.Sum(nil), am.ntResponse[:16])
}
