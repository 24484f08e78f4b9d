package route

// Path normalisation (the package doc states the rules). cleanPath writes
// into a caller's buffer so that Match, which passes a stack array, does
// not allocate for paths that fit in it.

// CleanPath returns the normalised form of a request's escaped path, the
// form Match compares with rule paths: percent-escapes decoded except an
// encoded '/' (kept as "%2F") and '%' itself (kept as "%25"), empty, "."
// and ".." segments (also ".;x" and "..;x") resolved without ever going
// above the root, the trailing slash kept. ok is false for a path that does not start with
// '/' or holds a bad percent-escape; such a request matches nothing.
func CleanPath(escaped string) (clean string, ok bool) {
	b, ok := cleanPath(nil, escaped, true)
	return string(b), ok
}

// rulePath is the normalised form of an Ingress path, which Kubernetes
// defines as plain (unescaped) text: '%' is a literal character, so it
// becomes "%25"; segments are resolved as in a request.
func rulePath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	b, _ := cleanPath(nil, p, false)
	return string(b)
}

// cleanPath appends the normalised form of p to dst. With decode, p is an
// escaped request path; without, p is literal text.
func cleanPath(dst []byte, p string, decode bool) ([]byte, bool) {
	if p == "" {
		return append(dst, '/'), true
	}
	if p[0] != '/' {
		return dst, false
	}
	base := len(dst)
	trailing := false
	for i := 0; i < len(p); {
		// p[i] is '/': the segment runs to the next '/'.
		j := i + 1
		for j < len(p) && p[j] != '/' {
			j++
		}
		mark := len(dst)
		dst = append(dst, '/')
		var ok bool
		if dst, ok = appendSegment(dst, p[i+1:j], decode); !ok {
			return dst[:base], false
		}
		seg := dst[mark+1:]
		for k, c := range seg {
			if c == ';' { // "..;jsessionid=1" is ".." to Tomcat and Jetty
				seg = seg[:k]
				break
			}
		}
		switch {
		case len(seg) == 0, len(seg) == 1 && seg[0] == '.':
			dst, trailing = dst[:mark], true
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			dst = dst[:mark]
			for len(dst) > base && dst[len(dst)-1] != '/' {
				dst = dst[:len(dst)-1]
			}
			if len(dst) > base {
				dst = dst[:len(dst)-1] // the popped segment's '/'
			}
			trailing = true
		default:
			trailing = false
		}
		i = j
	}
	if len(dst) == base || trailing {
		dst = append(dst, '/')
	}
	return dst, true
}

// appendSegment appends one path segment, decoded if decode is set, with
// '/' and '%' escaped.
func appendSegment(dst []byte, s string, decode bool) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && decode {
			if i+2 >= len(s) {
				return dst, false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return dst, false
			}
			c = hi<<4 | lo
			i += 2
		}
		switch c {
		case '/':
			dst = append(dst, "%2F"...)
		case '%':
			dst = append(dst, "%25"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
