package route

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// TestMatchKubernetesPathExamples is the table "Examples" under "Path
// types" of https://kubernetes.io/docs/concepts/services-networking/ingress/,
// row for row: Kind | Path(s) | Request path(s) | Matches?. Each rule path
// goes to a service named after its type and path; a request that
// matches none goes to the defaultBackend ("default"), as the table's
// "No, uses default backend" row says.
func TestMatchKubernetesPathExamples(t *testing.T) {
	type rulePath struct {
		pt   api.PathType
		path string
	}
	tests := []struct {
		kind    string     // the doc's Kind column
		paths   []rulePath // Path(s)
		reqs    []string   // Request path(s); nil: "(all paths)"
		matches string     // the doc's Matches? column
		want    rulePath   // the rule that must take the requests; zero: the default backend
	}{
		{"Prefix", []rulePath{{prefix, "/"}}, nil, "Yes", rulePath{prefix, "/"}},
		{"Exact", []rulePath{{exact, "/foo"}}, []string{"/foo"}, "Yes", rulePath{exact, "/foo"}},
		{"Exact", []rulePath{{exact, "/foo"}}, []string{"/bar"}, "No", rulePath{}},
		{"Exact", []rulePath{{exact, "/foo"}}, []string{"/foo/"}, "No", rulePath{}},
		{"Exact", []rulePath{{exact, "/foo/"}}, []string{"/foo"}, "No", rulePath{}},
		{"Prefix", []rulePath{{prefix, "/foo"}}, []string{"/foo", "/foo/"}, "Yes", rulePath{prefix, "/foo"}},
		{"Prefix", []rulePath{{prefix, "/foo/"}}, []string{"/foo", "/foo/"}, "Yes", rulePath{prefix, "/foo/"}},
		{"Prefix", []rulePath{{prefix, "/aaa/bb"}}, []string{"/aaa/bbb"}, "No", rulePath{}},
		{"Prefix", []rulePath{{prefix, "/aaa/bbb"}}, []string{"/aaa/bbb"}, "Yes", rulePath{prefix, "/aaa/bbb"}},
		{"Prefix", []rulePath{{prefix, "/aaa/bbb/"}}, []string{"/aaa/bbb"}, "Yes, ignores trailing slash", rulePath{prefix, "/aaa/bbb/"}},
		{"Prefix", []rulePath{{prefix, "/aaa/bbb"}}, []string{"/aaa/bbb/"}, "Yes, matches trailing slash", rulePath{prefix, "/aaa/bbb"}},
		{"Prefix", []rulePath{{prefix, "/aaa/bbb"}}, []string{"/aaa/bbb/ccc"}, "Yes, matches subpath", rulePath{prefix, "/aaa/bbb"}},
		{"Prefix", []rulePath{{prefix, "/aaa/bbb"}}, []string{"/aaa/bbbxyz"}, "No, does not match string prefix", rulePath{}},
		{"Prefix", []rulePath{{prefix, "/"}, {prefix, "/aaa"}}, []string{"/aaa/ccc"}, "Yes, matches /aaa prefix", rulePath{prefix, "/aaa"}},
		{"Prefix", []rulePath{{prefix, "/"}, {prefix, "/aaa"}, {prefix, "/aaa/bbb"}}, []string{"/aaa/bbb"}, "Yes, matches /aaa/bbb prefix", rulePath{prefix, "/aaa/bbb"}},
		{"Prefix", []rulePath{{prefix, "/"}, {prefix, "/aaa"}, {prefix, "/aaa/bbb"}}, []string{"/ccc"}, "Yes, matches / prefix", rulePath{prefix, "/"}},
		{"Prefix", []rulePath{{prefix, "/aaa"}}, []string{"/ccc"}, "No, uses default backend", rulePath{}},
		{"Mixed", []rulePath{{prefix, "/foo"}, {exact, "/foo"}}, []string{"/foo"}, "Yes, prefers Exact", rulePath{exact, "/foo"}},
	}
	allPaths := []string{"/", "/foo", "/foo/", "/foo/bar", "/aaa/bbb", "/ccc", "/x/y/z/"}
	for _, tt := range tests {
		var paths []string
		for _, p := range tt.paths {
			paths = append(paths, fmt.Sprintf("%s %s", p.pt, p.path))
		}
		reqs := tt.reqs
		if reqs == nil {
			reqs = allPaths
		}
		name := fmt.Sprintf("%s %s for %s: %s", tt.kind, strings.Join(paths, ", "), strings.Join(reqs, ", "), tt.matches)
		t.Run(name, func(t *testing.T) {
			var hps []api.HTTPIngressPath
			for _, p := range tt.paths {
				hps = append(hps, path(p.pt, p.path, fmt.Sprintf("%s %s", p.pt, p.path)))
			}
			tab := table(ing("example", rule("", hps...), defaultBackend("default")))
			want := "default"
			if tt.want.path != "" {
				want = fmt.Sprintf("%s %s", tt.want.pt, tt.want.path)
			}
			for _, r := range reqs {
				if got := routeOf(tab.Match("example.com", r)); got != want {
					t.Errorf("Match(%q) went to %q, want %q", r, got, want)
				}
			}
		})
	}
}

// TestMatchWildcardHosts is the table of "Hostname wildcards" on the
// Kubernetes Ingress page (Host | Host header | Match?), with the page's
// ingress-wildcard-host example: foo.bar.com Prefix /bar → service1,
// *.foo.com Prefix /foo → service2.
func TestMatchWildcardHosts(t *testing.T) {
	tab := table(ing("ingress-wildcard-host",
		rule("foo.bar.com", path(prefix, "/bar", "service1")),
		rule("*.foo.com", path(prefix, "/foo", "service2")),
	))
	tests := []struct{ name, host, path, want string }{
		{"*.foo.com takes bar.foo.com: matches based on shared suffix", "bar.foo.com", "/foo", "service2"},
		{"*.foo.com not baz.bar.foo.com: wildcard only covers a single DNS label", "baz.bar.foo.com", "/foo", "404"},
		{"*.foo.com not foo.com: wildcard only covers a single DNS label", "foo.com", "/foo", "404"},
		{"precise host", "foo.bar.com", "/bar/x", "service1"},
		{"precise host, other path", "foo.bar.com", "/foo", "404"},
		{"wildcard host, other path", "baz.foo.com", "/bar", "404"},
		{"empty first label", ".foo.com", "/foo", "404"},
		{"wildcard host with port and case", "BAR.Foo.com:8443", "/foo", "service2"},
		{"wildcard host with trailing dot", "bar.foo.com.", "/foo", "service2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := routeOf(tab.Match(tt.host, tt.path)); got != tt.want {
				t.Errorf("Match(%q, %q) went to %q, want %q", tt.host, tt.path, got, tt.want)
			}
		})
	}
}

// TestMatchNameBasedVirtualHosting is the "Name based virtual hosting"
// example of the Kubernetes Ingress page: first.bar.com → service1,
// second.bar.com → service2, any other host (or none) → service3.
func TestMatchNameBasedVirtualHosting(t *testing.T) {
	tab := table(ing("name-virtual-host-ingress-no-third-host",
		rule("first.bar.com", path(prefix, "/", "service1")),
		rule("second.bar.com", path(prefix, "/", "service2")),
		rule("", path(prefix, "/", "service3")),
	))
	tests := []struct{ name, host, want string }{
		{"first host", "first.bar.com", "service1"},
		{"second host", "second.bar.com", "service2"},
		{"other host", "third.bar.com", "service3"},
		{"no host", "", "service3"},
		{"IP address", "203.0.113.123", "service3"},
		{"IP address with port", "203.0.113.123:80", "service3"},
		{"IPv6 address", "[2001:db8::1]:80", "service3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := routeOf(tab.Match(tt.host, "/")); got != tt.want {
				t.Errorf("Match(%q, /) went to %q, want %q", tt.host, got, tt.want)
			}
		})
	}
}

func TestMatchHostPrecedence(t *testing.T) {
	tab := table(
		ing("hosts",
			rule("app.example.com", path(prefix, "/app", "exact-host")),
			rule("*.example.com", path(prefix, "/", "wildcard"), path(prefix, "/wild", "wildcard-wild")),
			rule("", path(prefix, "/", "no-host"), path(prefix, "/app", "no-host-app")),
			rule("claimed.example.com"), // no paths: claims the host
		),
		ing("fallback", createdAfter(1), defaultBackend("default")),
	)
	tests := []struct{ name, host, path, want string }{
		{"exact host first", "app.example.com", "/app/x", "exact-host"},
		{"exact host without matching path goes to the defaultBackend, not the wildcard", "app.example.com", "/wild", "default"},
		{"exact host without matching path goes to the defaultBackend, not the rules without host", "app.example.com", "/", "default"},
		{"wildcard second", "other.example.com", "/app", "wildcard"},
		{"wildcard longest path", "other.example.com", "/wild/1", "wildcard-wild"},
		{"rules without host last", "example.org", "/app", "no-host-app"},
		{"rules without host for the wildcard's parent", "example.com", "/", "no-host"},
		{"rules without host for two extra labels", "a.b.example.com", "/", "no-host"},
		{"host rule without paths claims its host", "claimed.example.com", "/app", "default"},
		{"exact host case-insensitive", "APP.EXAMPLE.COM", "/app", "exact-host"},
		{"exact host with port", "app.example.com:80", "/app", "exact-host"},
		{"exact host with trailing dot", "app.example.com.", "/app", "exact-host"},
		{"exact host with trailing dot and port", "app.example.com.:8080", "/app", "exact-host"},
		{"path case matters", "app.example.com", "/APP", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := routeOf(tab.Match(tt.host, tt.path)); got != tt.want {
				t.Errorf("Match(%q, %q) went to %q, want %q", tt.host, tt.path, got, tt.want)
			}
		})
	}
}

func TestMatchWithoutDefaultBackend(t *testing.T) {
	tab := table(ing("only-host", rule("a.example.com", path(exact, "/x", "a"))))
	tests := []struct{ name, host, path, want string }{
		{"match", "a.example.com", "/x", "a"},
		{"host without matching path", "a.example.com", "/y", "404"},
		{"unknown host, no rules without host", "b.example.com", "/x", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := routeOf(tab.Match(tt.host, tt.path)); got != tt.want {
				t.Errorf("Match(%q, %q) went to %q, want %q", tt.host, tt.path, got, tt.want)
			}
		})
	}
}

func TestMatchPathTypes(t *testing.T) {
	tab := table(ing("types", rule("",
		path(implSpec, "/impl", "impl"),
		path(exact, "/exact/", "exact-slash"),
		path(prefix, "/exact", "prefix-exact"),
		path(exact, "/same", "exact-same"),
		path(prefix, "/same/", "prefix-same-slash"),
		path(prefix, "/a/b/c", "abc"),
		path(prefix, "/a", "a"),
		api.HTTPIngressPath{Path: "/untyped", Backend: *backend("untyped", 80)},
	)))
	tests := []struct{ name, path, want string }{
		{"ImplementationSpecific is Prefix", "/impl/sub", "impl"},
		{"ImplementationSpecific is element-wise", "/implx", "404"},
		{"pathType unset is Prefix", "/untyped/x", "untyped"},
		{"Exact with trailing slash", "/exact/", "exact-slash"},
		{"Exact with trailing slash not without", "/exact", "prefix-exact"},
		{"Exact beats Prefix whose trailing slash is ignored", "/same", "exact-same"},
		{"Prefix with trailing slash below", "/same/x", "prefix-same-slash"},
		{"longest Prefix wins", "/a/b/c/d", "abc"},
		{"shorter Prefix when the longer one does not match", "/a/b/cd", "a"},
		{"nothing", "/b", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := routeOf(tab.Match("h", tt.path)); got != tt.want {
				t.Errorf("Match(%q) went to %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

// TestMatchNormalisation checks that escapes, dot segments and doubled
// slashes can neither reach a rule they do not name nor dodge one.
func TestMatchNormalisation(t *testing.T) {
	tab := table(ing("norm", rule("",
		path(prefix, "/public", "public"),
		path(prefix, "/admin", "admin"),
		path(exact, "/", "root"),
		path(exact, "/a b", "space"),
		path(exact, "/100%", "percent"),
		path(prefix, "/files%2Fsecret", "literal-escape"),
	)))
	tests := []struct{ name, path, want string }{
		{"dotdot leaves the public prefix", "/public/../admin", "admin"},
		{"encoded dotdot leaves it too", "/public/%2e%2e/admin", "admin"},
		{"dotdot cannot climb above root", "/public/../../admin", "admin"},
		{"encoded slash is no separator", "/admin%2F..", "404"},
		{"encoded slash does not fake a prefix", "/public%2Fx", "404"},
		{"encoded slash keeps its segment", "/public/a%2Fb", "public"},
		{"dotdot with servlet parameters", "/public/..;x/admin", "admin"},
		{"double slash", "//admin", "admin"},
		{"double slash inside", "/public//x", "public"},
		{"dot segment", "/./admin/./x", "admin"},
		{"trailing dotdot to root", "/admin/..", "root"},
		{"escaped letters decode", "/%61dmin", "admin"},
		{"escaped space decodes", "/a%20b", "space"},
		{"escaped percent is a percent", "/100%25", "percent"},
		{"bare percent is a bad escape", "/100%", "404"},
		{"rule percent is literal, not an escape", "/files%252Fsecret/x", "literal-escape"},
		{"an encoded slash is not a rule's literal %2F", "/files%2Fsecret", "404"},
		{"no leading slash", "admin", "404"},
		{"bad escape", "/admin%zz", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := routeOf(tab.Match("h", tt.path)); got != tt.want {
				t.Errorf("Match(%q) went to %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestMatchNilAndEmptyTable(t *testing.T) {
	var nilTable *Table
	for _, tab := range []*Table{nilTable, {}, table()} {
		if got := routeOf(tab.Match("a.example.com", "/")); got != "404" {
			t.Errorf("Match on an empty table went to %q, want 404", got)
		}
		if s, ok := tab.TLSSecret("a.example.com"); ok {
			t.Errorf("TLSSecret on an empty table = %v, want none", s)
		}
		if tab.Len() != 0 || len(tab.Hosts()) != 0 || len(tab.Backends()) != 0 {
			t.Errorf("empty table: Len %d, Hosts %v, Backends %v; want 0, none, none", tab.Len(), tab.Hosts(), tab.Backends())
		}
	}
}
