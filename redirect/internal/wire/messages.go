package wire

import (
	"encoding/binary"
	"fmt"
)

// Session tags of StartRedirectionSession (reference §2.1).
const (
	TagSOL  = "SOL "
	TagIDER = "IDER"
	TagKVM  = "KVMR"
)

// StartRedirectionSessionReply status values (MPS StartRedirectionSessionReplyStatus).
const (
	StartOK          = 0
	StartTypeUnknown = 1
	StartBusy        = 2
	StartUnsupported = 3
	StartError       = 0xFF
)

// AuthenticateSession types (reference §2.4).
const (
	AuthQuery    = 0
	AuthPassword = 1
	AuthKerberos = 2
	AuthDigest   = 4
)

// AuthenticateSessionReply status values.
const (
	AuthStatusOK          = 0
	AuthStatusFailure     = 1
	AuthStatusUnsupported = 2
)

// DigestURI and DigestMethod are what the redirection digest is computed over.
const (
	DigestURI    = "/RedirectionService"
	DigestMethod = "POST"
)

// IANAIntel is Intel's IANA enterprise number, sent by real firmware.
const IANAIntel = 343

// StartSession builds the 8-byte StartRedirectionSession for tag.
func StartSession(tag string) []byte {
	b := []byte{OpStartSession, 0, 0, 0, 0, 0, 0, 0}
	if tag == TagKVM {
		b[1] = 1 // every KVM trace has 0x01 here (reference §2.1)
	}
	copy(b[4:8], tag)
	return b
}

// StartSessionReply builds a 13-byte reply with status and the firmware
// version of an AMT 12 device.
func StartSessionReply(status byte) []byte {
	b := []byte{OpStartSessionReply, status, 0, 0, 1, 0, 12, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[8:12], IANAIntel)
	return b
}

// Auth builds an AuthenticateSession (op 0x13) or reply (0x14) message.
func Auth(op, status, typ byte, data []byte) []byte {
	b := make([]byte, AuthHeaderLen+len(data))
	b[0], b[1], b[4] = op, status, typ
	binary.LittleEndian.PutUint32(b[5:9], uint32(len(data)))
	copy(b[9:], data)
	return b
}

// AuthFields returns status, type and data of an authentication message.
func AuthFields(raw []byte) (status, typ byte, data []byte) {
	return raw[1], raw[4], raw[AuthHeaderLen:]
}

// LP appends one-byte-length-prefixed strings to dst. Strings longer than
// 255 bytes are truncated (they cannot be expressed on the wire).
func LP(dst []byte, fields ...string) []byte {
	for _, f := range fields {
		if len(f) > 255 {
			f = f[:255]
		}
		dst = append(dst, byte(len(f)))
		dst = append(dst, f...)
	}
	return dst
}

// SplitLP splits data into length-prefixed strings.
func SplitLP(data []byte) ([]string, error) {
	var out []string
	for len(data) > 0 {
		n := int(data[0])
		if 1+n > len(data) {
			return nil, ProtoErr("authenticate", "length-prefixed field runs past the message")
		}
		out = append(out, string(data[1:1+n]))
		data = data[1+n:]
	}
	return out, nil
}

// DigestFields are the eight fields of a type-4 AuthenticateSession, in
// wire order.
type DigestFields struct {
	User, Realm, Nonce, URI, CNonce, NC, Response, Qop string
}

// Pack returns the message data of d.
func (d DigestFields) Pack() []byte {
	return LP(nil, d.User, d.Realm, d.Nonce, d.URI, d.CNonce, d.NC, d.Response, d.Qop)
}

// ParseDigestFields reads the eight fields of a type-4 request.
func ParseDigestFields(data []byte) (DigestFields, error) {
	f, err := SplitLP(data)
	if err != nil {
		return DigestFields{}, err
	}
	if len(f) != 8 {
		return DigestFields{}, ProtoErr("authenticate", fmt.Sprintf("digest request has %d fields, want 8", len(f)))
	}
	return DigestFields{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]}, nil
}

// Header8 builds an 8-byte message [op, 0, 0, attr, LE32 seq].
func Header8(op, attr byte, seq uint32) []byte {
	b := make([]byte, 8)
	PutHeader(b, op, attr, seq)
	return b
}

// PutHeader writes an 8-byte header into b.
func PutHeader(b []byte, op, attr byte, seq uint32) {
	b[0], b[1], b[2], b[3] = op, 0, 0, attr
	binary.LittleEndian.PutUint32(b[4:8], seq)
}

// Seq returns the sequence number of a message with an 8-byte header.
func Seq(raw []byte) uint32 { return binary.LittleEndian.Uint32(raw[4:8]) }

// SOLData builds a 0x28 or 0x2A data message.
func SOLData(op byte, seq uint32, data []byte) []byte {
	b := make([]byte, SOLDataPrefixLen+len(data))
	PutHeader(b, op, 0, seq)
	binary.LittleEndian.PutUint16(b[8:10], uint16(len(data)))
	copy(b[10:], data)
	return b
}

// SOLPayload returns the data bytes of a 0x28/0x2A message.
func SOLPayload(raw []byte) []byte { return raw[SOLDataPrefixLen:] }

// SOLSettings is the payload of StartSOLRedirection (reference §3.1).
type SOLSettings struct {
	MaxTxBuffer            uint16
	TxBufferTimeout        uint16
	TxOverflowTimeout      uint16
	HostSessionRxTimeout   uint16
	HostFifoRxFlushTimeout uint16
	HeartbeatInterval      uint16
}

// SOLStart builds the 24-byte StartSOLRedirection.
func SOLStart(seq uint32, s SOLSettings) []byte {
	b := make([]byte, 24)
	PutHeader(b, OpSOLStart, 0, seq)
	le := binary.LittleEndian
	le.PutUint16(b[8:], s.MaxTxBuffer)
	le.PutUint16(b[10:], s.TxBufferTimeout)
	le.PutUint16(b[12:], s.TxOverflowTimeout)
	le.PutUint16(b[14:], s.HostSessionRxTimeout)
	le.PutUint16(b[16:], s.HostFifoRxFlushTimeout)
	le.PutUint16(b[18:], s.HeartbeatInterval)
	return b
}

// ParseSOLStart reads the settings of a StartSOLRedirection.
func ParseSOLStart(raw []byte) SOLSettings {
	le := binary.LittleEndian
	return SOLSettings{
		MaxTxBuffer: le.Uint16(raw[8:]), TxBufferTimeout: le.Uint16(raw[10:]),
		TxOverflowTimeout: le.Uint16(raw[12:]), HostSessionRxTimeout: le.Uint16(raw[14:]),
		HostFifoRxFlushTimeout: le.Uint16(raw[16:]), HeartbeatInterval: le.Uint16(raw[18:]),
	}
}

// SOLStartReply builds the 23-byte reply; bytes 2–22 are not documented
// anywhere (reference §3.2) and are zero.
func SOLStartReply(status byte) []byte {
	b := make([]byte, 23)
	b[0], b[1] = OpSOLStartReply, status
	return b
}

// SOLControl builds a 10-byte control/status message from the host.
func SOLControl(seq uint32, control, status byte) []byte {
	b := make([]byte, 10)
	PutHeader(b, OpSOLControl, 0, seq)
	b[8], b[9] = control, status
	return b
}

// IDERStart builds the 18-byte OPEN_SESSION in the layout of Intel's
// switchbox and MeshCentral ("layout A", reference §4.2).
func IDERStart(rxTimeout, txTimeout, heartbeat uint16) []byte {
	b := make([]byte, 18)
	PutHeader(b, OpIDERStart, 0, 0)
	le := binary.LittleEndian
	le.PutUint16(b[8:], rxTimeout)
	le.PutUint16(b[10:], txTimeout)
	le.PutUint16(b[12:], heartbeat)
	le.PutUint32(b[14:], 1)
	return b
}

// IDERStartReply builds a 30-byte START_IDER_REDIRECTION_REPLY.
func IDERStartReply(status byte, readBuf, writeBuf uint16) []byte {
	b := make([]byte, IDERStartReplyFixLen)
	PutHeader(b, OpIDERStartReply, 0, 0)
	b[1] = status
	b[8], b[9], b[10], b[11] = 1, 0, 12, 0
	binary.LittleEndian.PutUint16(b[16:], readBuf)
	binary.LittleEndian.PutUint16(b[18:], writeBuf)
	binary.LittleEndian.PutUint32(b[25:], IANAIntel)
	return b
}

// IDERStartReplyFields returns status, readbfr and writebfr of a 0x41.
func IDERStartReplyFields(raw []byte) (status byte, readBuf, writeBuf uint16) {
	return raw[1], binary.LittleEndian.Uint16(raw[16:]), binary.LittleEndian.Uint16(raw[18:])
}

// IDE-R register feature subcommands and start modes (reference §4.4).
const (
	FeatureGetSupported = 1
	FeatureGetState     = 2
	FeatureSetState     = 3

	FeatureEnable  = 0x01
	StartOnReboot  = 0x08
	StartGraceful  = 0x10
	StartNow       = 0x18
	StartModeMask  = 0x18
	FeatureEnabled = 0x02 // reply bit of subcommand 2
)

// IDERFeatures builds a 0x48 request.
func IDERFeatures(seq uint32, sub byte, value uint32) []byte {
	if sub == FeatureGetSupported {
		b := make([]byte, 9)
		PutHeader(b, OpIDERFeatures, 0, seq)
		b[8] = sub
		return b
	}
	b := make([]byte, 13)
	PutHeader(b, OpIDERFeatures, 0, seq)
	b[8] = sub
	binary.LittleEndian.PutUint32(b[9:], value)
	return b
}

// IDERFeaturesReply builds a 13-byte 0x49.
func IDERFeaturesReply(seq uint32, sub byte, value uint32) []byte {
	b := make([]byte, 13)
	PutHeader(b, OpIDERFeaturesReply, 0, seq)
	b[8] = sub
	binary.LittleEndian.PutUint32(b[9:], value)
	return b
}

// FeaturesFields returns subcommand and value of a 0x48 or 0x49.
func FeaturesFields(raw []byte) (sub byte, value uint32) {
	if len(raw) < 13 {
		return raw[8], 0
	}
	return raw[8], binary.LittleEndian.Uint32(raw[9:13])
}
