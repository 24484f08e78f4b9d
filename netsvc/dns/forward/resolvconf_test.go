package forward

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseResolvConf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{name: "empty", in: ""},
		{name: "one", in: "nameserver 192.0.2.53\n", want: []string{"192.0.2.53"}},
		{
			name: "options search and comments ignored",
			in:   "# generated\n; old style comment\nsearch default.svc cluster.local\ndomain example.com\noptions ndots:5 timeout:1\nsortlist 10.0.0.0/8\nnameserver 10.0.0.2 # primary\n\tnameserver   10.0.0.3\n",
			want: []string{"10.0.0.2", "10.0.0.3"},
		},
		{name: "IPv6 and zone", in: "nameserver 2001:db8::53\nnameserver fe80::1%eth0\n", want: []string{"2001:db8::53", "fe80::1%eth0"}},
		{name: "loopback kept by the parser", in: "nameserver 127.0.0.53\noptions edns0 trust-ad\n", want: []string{"127.0.0.53"}},
		{name: "no newline at the end", in: "nameserver 192.0.2.1", want: []string{"192.0.2.1"}},
		{name: "keyword needs a whole word", in: "nameservers 192.0.2.1\n"},
		{name: "nameserver without address", in: "nameserver 192.0.2.1\nnameserver\n", wantErr: "line 2: nameserver without an address"},
		{name: "nameserver with a host name", in: "nameserver dns.example.com\n", wantErr: `line 1: nameserver "dns.example.com" is not an IP address`},
		{name: "nameserver with a port", in: "nameserver 192.0.2.1:53\n", wantErr: `line 1: nameserver "192.0.2.1:53" is not an IP address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseResolvConf(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("nameservers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHostUpstreams(t *testing.T) {
	const stub = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n"
	for _, tc := range []struct {
		name        string
		resolvConf  string
		systemdConf string // "" means the file does not exist
		want        []string
		wantErr     string
	}{
		{name: "plain host", resolvConf: "nameserver 192.0.2.1\nnameserver 192.0.2.2\n", systemdConf: "nameserver 198.51.100.1\n", want: []string{"192.0.2.1", "192.0.2.2"}},
		{name: "systemd-resolved stub uses its list", resolvConf: stub, systemdConf: "nameserver 198.51.100.1\nnameserver 2001:db8::1\n", want: []string{"198.51.100.1", "2001:db8::1"}},
		{name: "loopback next to a real one is dropped", resolvConf: "nameserver 127.0.0.1\nnameserver 192.0.2.1\n", want: []string{"192.0.2.1"}},
		{name: "IPv6 loopback is dropped", resolvConf: "nameserver ::1\n", systemdConf: "nameserver 198.51.100.1\n", want: []string{"198.51.100.1"}},
		{name: "stub without systemd list", resolvConf: stub, wantErr: "no nameserver but loopback"},
		{name: "stub and a loopback-only systemd list", resolvConf: stub, systemdConf: "nameserver 127.0.0.1\n", wantErr: "no nameserver but loopback"},
		{name: "bad line", resolvConf: "nameserver x\n", wantErr: `resolv.conf: line 1: nameserver "x" is not an IP address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rc := filepath.Join(dir, "resolv.conf")
			sc := filepath.Join(dir, "systemd-resolv.conf")
			if err := os.WriteFile(rc, []byte(tc.resolvConf), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.systemdConf != "" {
				if err := os.WriteFile(sc, []byte(tc.systemdConf), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := hostUpstreams(rc, sc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("upstreams (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr []string
	}{
		{name: "good", cfg: Config{Upstreams: []string{"192.0.2.1", "192.0.2.2:5353", "[2001:db8::1]:53", "2001:db8::2"}, Domains: map[string][]string{"example.internal": {"10.0.0.53"}}}},
		{name: "no upstream", cfg: Config{}, wantErr: []string{"upstreams: none given"}},
		{name: "bad upstream", cfg: Config{Upstreams: []string{"dns.example.com"}}, wantErr: []string{`upstreams[0]: upstream "dns.example.com": not IP or IP:PORT`}},
		{name: "port zero", cfg: Config{Upstreams: []string{"192.0.2.1:0"}}, wantErr: []string{"port 0"}},
		{name: "bad domain", cfg: Config{Upstreams: []string{"192.0.2.1"}, Domains: map[string][]string{"a..b": {"10.0.0.1"}}}, wantErr: []string{`domains: "a..b" is not a domain name`}},
		{name: "domain without upstream", cfg: Config{Upstreams: []string{"192.0.2.1"}, Domains: map[string][]string{"x": nil}}, wantErr: []string{`domains["x"]: no upstream given`}},
		{name: "domain with a bad upstream", cfg: Config{Upstreams: []string{"192.0.2.1"}, Domains: map[string][]string{"x": {"nope"}}}, wantErr: []string{`domains["x"][0]: upstream "nope"`}},
		{name: "negatives", cfg: Config{Upstreams: []string{"192.0.2.1"}, Timeout: -1, MinTTL: -1, MaxTTL: -1, MaxInflight: -1, DownFor: -1}, wantErr: []string{"timeout", "min TTL", "max TTL", "max inflight", "down for"}},
		{name: "min above max", cfg: Config{Upstreams: []string{"192.0.2.1"}, MinTTL: 2, MaxTTL: 1}, wantErr: []string{"above max TTL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %q", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
