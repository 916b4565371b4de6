package xmllimit

import "io"

// Lexer states of source: just enough of XML to know when a byte is inside
// a start tag (outside quoted attribute values), where each '=' is one
// attribute.
const (
	stText    = iota // character data
	stOpen           // just after '<'
	stTag            // inside a start tag, outside quotes
	stQuoted         // inside a quoted attribute value
	stSkip           // end tag or directive: until '>'
	stBang           // just after "<!"
	stComment        // inside "<!--": until "-->"
	stCDATA          // inside "<![": until "]]>"
	stPI             // inside "<?": until "?>"
)

// source is the io.ByteReader an xml.Decoder reads from. Besides handing
// out bytes it bounds the bytes of the token being read (the consumer calls
// startToken after each token) and the attributes of the start tag being
// read, so the decoder never buffers more than MaxTokenBytes of one token
// nor builds more than MaxAttrsPerElement attributes for one tag.
type source struct {
	buf []byte    // buffered input; the unread part is buf[pos:]
	pos int       // read position in buf
	r   io.Reader // the rest of the input; nil when buf is all of it
	off int64     // bytes of input before buf[0]

	left     int   // bytes the current token may still take
	maxToken int   // MaxTokenBytes
	tokenOff int64 // offset of the current token's first byte

	state    uint8
	quote    byte   // the quote that opened the current attribute value
	hist     uint16 // the last two bytes in comment, CDATA and PI states
	attrs    int    // '=' seen in the current start tag
	maxAttrs int    // MaxAttrsPerElement

	err error // a limit error, once one is hit
}

func newSource(data []byte, r io.Reader, lim Limits) *source {
	s := &source{buf: data, r: r, maxToken: lim.MaxTokenBytes, maxAttrs: lim.MaxAttrsPerElement}
	if r != nil {
		s.buf = make([]byte, 0, 4096)
	}
	s.left = s.maxToken
	return s
}

// offset is the input offset of the next byte.
func (s *source) offset() int64 { return s.off + int64(s.pos) }

// startToken tells the source that a token has been read: the byte budget
// starts over for the next one.
func (s *source) startToken() {
	s.left = s.maxToken
	s.tokenOff = s.offset()
}

func (s *source) fail(limit string, max int) error {
	if s.err == nil {
		s.err = &Error{Limit: limit, Max: max, Offset: s.offset()}
	}
	return s.err
}

func (s *source) fill() error {
	if s.r == nil {
		return io.EOF
	}
	s.off += int64(len(s.buf))
	s.buf, s.pos = s.buf[:cap(s.buf)], 0
	for {
		n, err := s.r.Read(s.buf)
		s.buf = s.buf[:n]
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Read makes source an io.Reader as well: encoding/xml hands its reader to
// a CharsetReader, and the pass-through one used here returns it as is.
func (s *source) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := s.ReadByte()
		if err != nil {
			if n > 0 && err == io.EOF {
				return n, nil
			}
			return n, err
		}
		p[n] = c
		n++
	}
	return n, nil
}

// ReadByte returns the next byte, or a limit error.
func (s *source) ReadByte() (byte, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.pos >= len(s.buf) {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	c := s.buf[s.pos]
	s.pos++
	s.left--
	if s.left < 0 {
		return 0, s.fail("MaxTokenBytes", s.maxToken)
	}
	switch s.state {
	case stText:
		if c == '<' {
			s.state = stOpen
		}
	case stOpen:
		switch c {
		case '!':
			s.state = stBang
		case '?':
			s.state, s.hist = stPI, 0
		case '/':
			s.state = stSkip
		default:
			s.state, s.attrs = stTag, 0
		}
	case stTag:
		switch c {
		case '=':
			s.attrs++
			if s.attrs > s.maxAttrs {
				return 0, s.fail("MaxAttrsPerElement", s.maxAttrs)
			}
		case '"', '\'':
			s.state, s.quote = stQuoted, c
		case '>':
			s.state = stText
		}
	case stQuoted:
		if c == s.quote {
			s.state = stTag
		}
	case stSkip:
		if c == '>' {
			s.state = stText
		}
	case stBang:
		switch c {
		case '-':
			s.state, s.hist = stComment, 0
		case '[':
			s.state, s.hist = stCDATA, 0
		default:
			s.state = stSkip
		}
	case stComment:
		if c == '>' && s.hist == '-'<<8|'-' {
			s.state = stText
		}
		s.hist = s.hist<<8 | uint16(c)
	case stCDATA:
		if c == '>' && s.hist == ']'<<8|']' {
			s.state = stText
		}
		s.hist = s.hist<<8 | uint16(c)
	case stPI:
		if c == '>' && s.hist&0xff == '?' {
			s.state = stText
		}
		s.hist = s.hist<<8 | uint16(c)
	}
	return c, nil
}
