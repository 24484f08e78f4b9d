package route

import (
	"strings"
	"testing"
)

// FuzzMatch routes arbitrary hosts and paths through a table with every
// kind of rule and checks, besides not panicking, that routing depends
// only on the normalised path and host, and that a Prefix match really
// is a whole-segment prefix of the normalised path.
func FuzzMatch(f *testing.F) {
	tab := table(ing("fuzz",
		rule("app.example.com", path(prefix, "/", "app"), path(prefix, "/api", "api"), path(exact, "/api/v1/", "api-v1")),
		rule("*.example.com", path(prefix, "/wild", "wild")),
		rule("", path(prefix, "/public", "public"), path(prefix, "/admin", "admin"), path(exact, "/", "root"),
			path(prefix, "/a%2Fb", "literal")),
		defaultBackend("default"),
	))
	prefixes := map[string]string{"app": "/", "api": "/api", "wild": "/wild", "public": "/public", "admin": "/admin", "literal": "/a%252Fb"}
	for _, s := range [][2]string{
		{"app.example.com", "/api/v1/"}, {"APP.example.com.:80", "/api/../api/x"}, {"x.example.com", "/wild/%2e%2e/admin"},
		{"", "/public/../admin"}, {"h", "/admin%2F.."}, {"h", "//admin"}, {"[::1]:80", "/%2e%2E/a%2Fb"}, {"h", "*"},
		{"h", "/a%252Fb/x"}, {"h", "/%"}, {"a..example.com", "/./"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, host, p string) {
		b, ok := tab.Match(host, p)
		if ok != (b != nil) {
			t.Fatalf("Match(%q, %q) = %v, %v: ok and backend disagree", host, p, b, ok)
		}
		clean, cleanOK := CleanPath(p)
		if !cleanOK {
			if ok && tab.vhost(host) != nil {
				t.Fatalf("Match(%q, %q) matched %s but the path does not normalise", host, p, b.Service.Name)
			}
			return
		}
		if !strings.HasPrefix(clean, "/") || strings.Contains(clean, "//") || strings.Contains(clean, "/./") ||
			strings.Contains(clean, "/../") || strings.HasSuffix(clean, "/.") || strings.HasSuffix(clean, "/..") {
			t.Fatalf("CleanPath(%q) = %q: not normalised", p, clean)
		}
		if again, _ := CleanPath(clean); again != clean {
			t.Fatalf("CleanPath(%q) = %q, but CleanPath of that is %q", p, clean, again)
		}
		b2, ok2 := tab.Match(asciiUpper(host), clean)
		if routeOf(b, ok) != routeOf(b2, ok2) {
			t.Fatalf("Match(%q, %q) went to %s but its normal form (%q) to %s", host, p, routeOf(b, ok), clean, routeOf(b2, ok2))
		}
		if ok {
			if pre, isPrefix := prefixes[b.Service.Name]; isPrefix && !segmentPrefix(pre, clean) {
				t.Fatalf("Match(%q, %q) went to %s, but %q is not a segment prefix of %q", host, p, b.Service.Name, pre, clean)
			}
		}
	})
}

// segmentPrefix reports whether rule path pre is a whole-segment prefix
// of the normalised path p.
func segmentPrefix(pre, p string) bool {
	if pre == "/" {
		return true
	}
	return p == pre || strings.HasPrefix(p, pre+"/")
}

// asciiUpper upper-cases ASCII letters only (strings.ToUpper would also
// map non-ASCII letters such as 'ſ' to ASCII ones).
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
