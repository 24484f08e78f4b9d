package route

import "testing"

func TestCleanPath(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantOK         bool
	}{
		{"root", "/", "/", true},
		{"empty is root", "", "/", true},
		{"plain", "/foo/bar", "/foo/bar", true},
		{"trailing slash kept", "/foo/", "/foo/", true},
		{"double slash merged", "//admin", "/admin", true},
		{"inner double slash merged", "/a//b///c", "/a/b/c", true},
		{"trailing double slash is one", "/a//", "/a/", true},
		{"dot dropped", "/a/./b", "/a/b", true},
		{"trailing dot leaves slash", "/foo/.", "/foo/", true},
		{"dotdot pops", "/public/../admin", "/admin", true},
		{"trailing dotdot leaves slash", "/a/b/..", "/a/", true},
		{"dotdot to root", "/a/..", "/", true},
		{"dotdot cannot escape root", "/../../etc/passwd", "/etc/passwd", true},
		{"dotdot at root only", "/..", "/", true},
		{"encoded dots are dots", "/public/%2e%2e/admin", "/admin", true},
		{"mixed encoded dots", "/public/.%2E/admin", "/admin", true},
		{"encoded single dot", "/a/%2e/b", "/a/b", true},
		{"encoded slash stays in its segment", "/admin%2Fsecret", "/admin%2Fsecret", true},
		{"encoded slash lower case kept upper", "/admin%2fsecret", "/admin%2Fsecret", true},
		{"encoded slash then dotdot is not root", "/admin%2F..", "/admin%2F..", true},
		{"dotdot with encoded slash pops one segment", "/a/b%2F../..", "/a/", true},
		{"encoded percent stays encoded", "/100%25", "/100%25", true},
		{"encoded percent cannot fake an encoded slash", "/a%252Fb", "/a%252Fb", true},
		{"unreserved decoded", "/%61%62c", "/abc", true},
		{"space decoded", "/a%20b", "/a b", true},
		{"dots inside names are names", "/a/..b/c.", "/a/..b/c.", true},
		{"three dots is a name", "/a/...", "/a/...", true},
		{"case kept", "/Foo", "/Foo", true},
		{"dotdot with parameters is dotdot", "/public/..;/admin", "/admin", true},
		{"dotdot with named parameters is dotdot", "/public/..;jsessionid=1/admin", "/admin", true},
		{"dot with parameters is dot", "/a/.;x/b", "/a/b", true},
		{"encoded semicolon too", "/public/..%3Bx/admin", "/admin", true},
		{"semicolon elsewhere is ordinary", "/a;b/c..;/d", "/a;b/c..;/d", true},
		{"no leading slash", "foo", "", false},
		{"asterisk form", "*", "", false},
		{"truncated escape", "/a%2", "", false},
		{"lone percent", "/a%", "", false},
		{"bad hex", "/a%zz", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := CleanPath(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("CleanPath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
			if ok {
				if again, _ := CleanPath(got); again != got {
					t.Errorf("CleanPath(%q) = %q: not idempotent", got, again)
				}
			}
		})
	}
}

func TestRulePath(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "/foo", "/foo"},
		{"trailing slash kept", "/foo/", "/foo/"},
		{"empty is root", "", "/"},
		{"percent is literal", "/100%", "/100%25"},
		{"escape-looking text is literal", "/a%2Fb", "/a%252Fb"},
		{"dot segments resolved", "/a/./b/../c", "/a/c"},
		{"double slash merged", "/a//b", "/a/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rulePath(tt.in); got != tt.want {
				t.Errorf("rulePath(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormHost(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantOK         bool
	}{
		{"plain", "foo.com", "foo.com", true},
		{"upper case", "FOO.Com", "foo.com", true},
		{"port", "foo.com:8080", "foo.com", true},
		{"trailing dot", "foo.com.", "foo.com", true},
		{"trailing dot and port", "Foo.com.:443", "foo.com", true},
		{"ipv6 literal with port", "[::1]:80", "[::1]", true},
		{"ipv6 literal", "[::1]", "[::1]", true},
		{"bare ipv6 untouched", "::1", "::1", true},
		{"ipv4 with port", "10.0.0.3:80", "10.0.0.3", true},
		{"non-numeric port kept", "foo.com:http", "foo.com:http", true},
		{"empty", "", "", false},
		{"only port", ":80", "", false},
		{"too long", string(make([]byte, 300)), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := normHost(nil, tt.in)
			if string(got) != tt.want || ok != tt.wantOK {
				t.Errorf("normHost(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
