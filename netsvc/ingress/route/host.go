package route

// maxHost is the longest host name that can match a rule: a DNS name is
// at most 253 characters (254 with the trailing dot).
const maxHost = 254

// normHost appends to dst the form of a request's host that rule hosts
// are compared with: the port (":8080", also after an IPv6 literal in
// brackets) and one trailing dot removed, ASCII letters lowered. ok is
// false when the result is empty or longer than a DNS name can be; such a
// host matches only the rules without a host.
func normHost(dst []byte, host string) ([]byte, bool) {
	host = stripPort(host)
	if n := len(host); n > 0 && host[n-1] == '.' {
		host = host[:n-1]
	}
	if host == "" || len(host) > maxHost {
		return dst, false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}

// stripPort removes a ":port" suffix (digits only). A bare IPv6 address
// (more than one ':', no brackets) is left as it is.
func stripPort(host string) string {
	if len(host) > 0 && host[0] == '[' {
		for i := 1; i < len(host); i++ {
			if host[i] == ']' {
				return host[:i+1]
			}
		}
		return host
	}
	colon := -1
	for i := 0; i < len(host); i++ {
		if host[i] == ':' {
			if colon >= 0 {
				return host // a bare IPv6 address
			}
			colon = i
		}
	}
	if colon < 0 {
		return host
	}
	for i := colon + 1; i < len(host); i++ {
		if host[i] < '0' || host[i] > '9' {
			return host
		}
	}
	return host[:colon]
}

// ruleHost is the form of an Ingress (or TLS) host in the table: lower
// case, no trailing dot; wildcard tells "*.example.com" apart, whose key
// is the suffix "example.com".
func ruleHost(h string) (key string, wildcard bool) {
	b, ok := normHost(nil, h)
	if !ok {
		return "", false
	}
	if len(b) > 2 && b[0] == '*' && b[1] == '.' {
		return string(b[2:]), true
	}
	return string(b), false
}

// parentDomain returns h without its first label ("bar.foo.com" →
// "foo.com"): the key under which a wildcard rule for h is filed. ok is
// false when the first label or the rest is empty.
func parentDomain(h []byte) ([]byte, bool) {
	for i, c := range h {
		if c == '.' {
			if i == 0 || i == len(h)-1 {
				return nil, false
			}
			return h[i+1:], true
		}
	}
	return nil, false
}
