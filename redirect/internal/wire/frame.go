// Package wire holds the byte layout of the AMT redirection protocol shared
// by the client (package redirect) and the simulated device (redirecttest).
package wire

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/oobkit/oobkit"
)

// by the client (package redirect) and the simulated device (redirecttest).

// Message opcodes of the redirection protocol (kraxel/amtterm
// RedirectionConstants.h, https://www.kraxel.org/cgit/amtterm/; directions
// and lengths from amtterm's redir.c and MeshCommander's
// amt-redir-ws-0.1.0.js, https://github.com/Ylianst/MeshCommander).
const (
	OpStartSession      = 0x10
	OpStartSessionReply = 0x11
	OpEndSession        = 0x12
	OpAuthenticate      = 0x13
	OpAuthenticateReply = 0x14

	OpSOLStart        = 0x20
	OpSOLStartReply   = 0x21
	OpSOLEnd          = 0x22
	OpSOLEndReply     = 0x23
	OpSOLPing         = 0x24
	OpSOLPong         = 0x25
	OpSOLSettingsDone = 0x27
	OpSOLDataToHost   = 0x28
	OpSOLControl      = 0x29
	OpSOLDataFromHost = 0x2A
	OpSOLHeartbeat    = 0x2B

	OpIDERStart         = 0x40
	OpIDERStartReply    = 0x41
	OpIDEREnd           = 0x42
	OpIDEREndReply      = 0x43
	OpIDERPing          = 0x44
	OpIDERPong          = 0x45
	OpIDERReset         = 0x46
	OpIDERResetReply    = 0x47
	OpIDERFeatures      = 0x48
	OpIDERFeaturesReply = 0x49
	OpIDERError         = 0x4A
	OpIDERHeartbeat     = 0x4B
	OpIDERCommand       = 0x50
	OpIDERCommandEnd    = 0x51
	OpIDERGetData       = 0x52
	OpIDERDataFromHost  = 0x53
	OpIDERDataToHost    = 0x54
)

// Fixed lengths of message parts.
const (
	IDEHeaderLen         = 8
	DataToHostPrefixLen  = 34
	DataFromHostPrefix   = 14
	SOLDataPrefixLen     = 10
	AuthHeaderLen        = 9
	StartReplyFixedLen   = 13
	IDERStartReplyFixLen = 30
)

// MaxFrame is the largest message the frame reader accepts: a DATA_TO_HOST
// with a full 16-bit payload. Anything claiming more is a protocol error.
const MaxFrame = DataToHostPrefixLen + 0xFFFF

// maxAuthData bounds the data of an authentication message. Digest ones
// are under 300 bytes; a Kerberos one (type 2) carries a ticket with its
// Active Directory PAC, which grows with the user's groups (Windows sizes
// its token buffers at 48 KiB, MaxTokenSize in "Problems with Kerberos
// authentication when a user belongs to many groups",
// https://learn.microsoft.com/troubleshoot/windows-server/windows-security/kerberos-authentication-problems-if-user-belongs-to-groups).
const maxAuthData = 48 << 10

// Frame is one protocol message. Raw includes the opcode byte at Raw[0] and
// stays valid only until the next call to [FrameReader.Next].
type Frame struct {
	Op  byte
	Raw []byte
}

// FrameReader splits a byte stream into messages using the length rule of
// each opcode. It never assumes that one read is one message: it peeks at
// the fixed header through a bufio.Reader and then reads exactly the
// message's length. One buffer is reused, so memory stays bounded by
// [MaxFrame]. It is not safe for concurrent use.
type FrameReader struct {
	r   *bufio.Reader
	buf []byte
	// KVM switches 0x40/0x41 to their 8-byte KVM forms.
	KVM bool
}

// NewFrameReader reads messages from r. If r is already a *bufio.Reader it
// is used as is.
func NewFrameReader(r io.Reader) *FrameReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 16<<10)
	}
	return &FrameReader{r: br}
}

// Buffered returns the reader underneath, for handing over the rest of the
// stream (KVM).
func (f *FrameReader) Buffered() *bufio.Reader { return f.r }

// Next reads one message. io.EOF means the stream ended cleanly between
// messages; a stream that ends inside a message gives io.ErrUnexpectedEOF.
func (f *FrameReader) Next() (Frame, error) {
	op, err := f.r.Peek(1)
	if err != nil {
		return Frame{}, err
	}
	n, err := f.length(op[0])
	if err != nil {
		return Frame{}, err
	}
	if cap(f.buf) < n {
		f.buf = make([]byte, n)
	}
	b := f.buf[:n]
	if _, err := io.ReadFull(f.r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, err
	}
	return Frame{Op: b[0], Raw: b}, nil
}

// peek returns the first n bytes of the next message without consuming them.
func (f *FrameReader) peek(n int) ([]byte, error) {
	b, err := f.r.Peek(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

// length returns the total length of the message starting with op.
func (f *FrameReader) length(op byte) (int, error) {
	switch op {
	case OpEndSession:
		return 4, nil
	case OpStartSession, OpSOLEnd, OpSOLEndReply, OpSOLPing, OpSOLPong, OpSOLHeartbeat,
		OpIDEREnd, OpIDEREndReply, OpIDERPing, OpIDERPong, OpIDERResetReply, OpIDERHeartbeat:
		return 8, nil
	case OpIDERReset:
		return 9, nil
	case OpSOLControl:
		return 10, nil
	case OpIDERError:
		return 11, nil
	case OpIDERFeaturesReply:
		return 13, nil
	case OpSOLSettingsDone:
		return 14, nil
	case OpSOLStartReply:
		return 23, nil
	case OpSOLStart:
		return 24, nil
	case OpIDERCommand:
		return 28, nil
	case OpIDERCommandEnd, OpIDERGetData:
		return 31, nil
	case OpIDERStart:
		if f.KVM {
			return 8, nil
		}
		return 18, nil
	case OpIDERStartReply:
		if f.KVM {
			return 8, nil
		}
		b, err := f.peek(IDERStartReplyFixLen)
		if err != nil {
			return 0, err
		}
		return IDERStartReplyFixLen + int(b[29]), nil
	case OpStartSessionReply:
		b, err := f.peek(StartReplyFixedLen)
		if err != nil {
			return 0, err
		}
		return StartReplyFixedLen + int(b[12]), nil
	case OpAuthenticate, OpAuthenticateReply:
		b, err := f.peek(AuthHeaderLen)
		if err != nil {
			return 0, err
		}
		n := binary.LittleEndian.Uint32(b[5:9])
		if n > maxAuthData {
			return 0, ProtoErr("read frame", fmt.Sprintf("authentication data of %d bytes", n))
		}
		return AuthHeaderLen + int(n), nil
	case OpIDERFeatures:
		b, err := f.peek(9)
		if err != nil {
			return 0, err
		}
		if b[8] == 1 {
			return 9, nil
		}
		return 13, nil
	case OpSOLDataToHost, OpSOLDataFromHost:
		b, err := f.peek(SOLDataPrefixLen)
		if err != nil {
			return 0, err
		}
		return SOLDataPrefixLen + int(binary.LittleEndian.Uint16(b[8:10])), nil
	case OpIDERDataFromHost:
		b, err := f.peek(DataFromHostPrefix)
		if err != nil {
			return 0, err
		}
		return DataFromHostPrefix + int(binary.LittleEndian.Uint16(b[9:11])), nil
	case OpIDERDataToHost:
		b, err := f.peek(DataToHostPrefixLen)
		if err != nil {
			return 0, err
		}
		return DataToHostPrefixLen + int(binary.LittleEndian.Uint16(b[9:11])), nil
	}
	return 0, ProtoErr("read frame", fmt.Sprintf("unknown message type 0x%02x", op))
}

// ProtoErr is an oobkit.ErrProtocol error of the redirection protocol.
func ProtoErr(op, msg string) error {
	return &oobkit.Error{Protocol: oobkit.Redirection, Op: op, Class: oobkit.ErrProtocol, Message: msg}
}

// ClassErr wraps cause in an oobkit error of class.
func ClassErr(op string, class error, msg string, cause error) error {
	return &oobkit.Error{Protocol: oobkit.Redirection, Op: op, Class: class, Message: msg, Err: cause}
}
