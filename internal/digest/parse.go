package digest

import (
	"fmt"
	"strings"
)

// maxHeader bounds what the parsers accept; a longer header is refused.
const maxHeader = 8 << 10

// ParseChallenges parses every Digest challenge in the given WWW-Authenticate
// values (one header may hold several challenges, and a response may carry
// several headers). Non-Digest schemes (Basic, Negotiate) are skipped.
func ParseChallenges(values ...string) ([]Challenge, error) {
	var out []Challenge
	for _, v := range values {
		if len(v) > maxHeader {
			return nil, fmt.Errorf("%w: header longer than %d bytes", ErrBadChallenge, maxHeader)
		}
		items, err := splitChallenges(v)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if !strings.EqualFold(it.scheme, "Digest") {
				continue
			}
			c, err := challengeFromParams(it.params)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// Best returns the strongest supported challenge among cs (SHA-256 before MD5;
// earlier before later among equals), or false if none is supported.
func Best(cs []Challenge) (Challenge, bool) {
	best, found := Challenge{}, false
	for _, c := range cs {
		if c.Algorithm.strength() == 0 {
			continue
		}
		if !found || c.Algorithm.strength() > best.Algorithm.strength() {
			best, found = c, true
		}
	}
	return best, found
}

func challengeFromParams(p map[string]string) (Challenge, error) {
	c := Challenge{
		Realm:     p["realm"],
		Nonce:     p["nonce"],
		Opaque:    p["opaque"],
		Algorithm: Algorithm(p["algorithm"]),
		Domain:    p["domain"],
		Stale:     strings.EqualFold(p["stale"], "true"),
		UserHash:  strings.EqualFold(p["userhash"], "true"),
	}
	if _, ok := p["realm"]; !ok {
		return Challenge{}, fmt.Errorf("%w: no realm", ErrBadChallenge)
	}
	if c.Nonce == "" {
		return Challenge{}, fmt.Errorf("%w: no nonce", ErrBadChallenge)
	}
	if q, ok := p["qop"]; ok {
		for _, t := range strings.Split(q, ",") {
			if t = strings.TrimSpace(t); t != "" {
				c.Qop = append(c.Qop, t)
			}
		}
	}
	return c, nil
}

type challengeItem struct {
	scheme string
	params map[string]string
}

// splitChallenges tokenizes an RFC 7235 challenge list: schemes followed by
// comma-separated auth-params whose values may be quoted strings with escapes
// and embedded commas (qop="auth-int, auth").
func splitChallenges(s string) ([]challengeItem, error) {
	var items []challengeItem
	i := 0
	n := len(s)
	skipSpace := func() {
		for i < n && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	token := func() string {
		start := i
		for i < n && isTokenChar(s[i]) {
			i++
		}
		return s[start:i]
	}
	for {
		skipSpace()
		for i < n && s[i] == ',' {
			i++
			skipSpace()
		}
		if i >= n {
			return items, nil
		}
		scheme := token()
		if scheme == "" {
			return nil, fmt.Errorf("%w: unexpected %q at offset %d", ErrBadChallenge, s[i], i)
		}
		item := challengeItem{scheme: scheme, params: map[string]string{}}
		skipSpace()
		if j, ok := token68End(s, i); ok {
			// "Negotiate <token68>": no parameters to read.
			i = j
			items = append(items, item)
			continue
		}
		for {
			skipSpace()
			save := i
			name := token()
			skipSpace()
			if name == "" || i >= n || s[i] != '=' {
				// Not a parameter: the start of the next challenge.
				i = save
				break
			}
			i++ // '='
			skipSpace()
			var val string
			if i < n && s[i] == '"' {
				i++
				var b strings.Builder
				closed := false
				for i < n {
					ch := s[i]
					if ch == '\\' && i+1 < n {
						b.WriteByte(s[i+1])
						i += 2
						continue
					}
					if ch == '"' {
						i++
						closed = true
						break
					}
					b.WriteByte(ch)
					i++
				}
				if !closed {
					return nil, fmt.Errorf("%w: unterminated quoted string", ErrBadChallenge)
				}
				val = b.String()
			} else {
				val = token()
			}
			lname := strings.ToLower(name)
			if _, dup := item.params[lname]; dup {
				return nil, fmt.Errorf("%w: duplicate parameter %q", ErrBadChallenge, name)
			}
			item.params[lname] = val
			skipSpace()
			if i < n && s[i] == ',' {
				i++
				continue
			}
			break
		}
		items = append(items, item)
		skipSpace()
		if i < n && s[i] != ',' && !isTokenChar(s[i]) {
			return nil, fmt.Errorf("%w: unexpected %q at offset %d", ErrBadChallenge, s[i], i)
		}
	}
}

// token68End reports whether a token68 (RFC 7235 §2.1) starts at i and where
// it ends: token68 characters, then one or more '=', then end or ','.
func token68End(s string, i int) (int, bool) {
	j := i
	for j < len(s) && (isAlnum(s[j]) || strings.IndexByte("-._~+/", s[j]) >= 0) {
		j++
	}
	if j == i {
		return 0, false
	}
	for j < len(s) && s[j] == '=' {
		j++
	}
	k := j
	for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
		k++
	}
	if k < len(s) && s[k] != ',' {
		return 0, false
	}
	return k, true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~/:", c) >= 0
}

// ParseAuthorization parses an "Authorization: Digest ..." header value.
func ParseAuthorization(v string) (Response, error) {
	if len(v) > maxHeader {
		return Response{}, fmt.Errorf("%w: header longer than %d bytes", ErrBadChallenge, maxHeader)
	}
	items, err := splitChallenges(v)
	if err != nil {
		return Response{}, err
	}
	if len(items) != 1 || !strings.EqualFold(items[0].scheme, "Digest") {
		return Response{}, fmt.Errorf("%w: not a single Digest credential", ErrBadChallenge)
	}
	p := items[0].params
	return Response{
		Username: p["username"], Realm: p["realm"], Nonce: p["nonce"], URI: p["uri"],
		Algorithm: Algorithm(p["algorithm"]), Qop: p["qop"], NC: p["nc"], CNonce: p["cnonce"],
		Response: p["response"], Opaque: p["opaque"],
	}, nil
}
