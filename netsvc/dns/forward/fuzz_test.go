package forward

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseResolvConf checks that any input parses without a panic into
// addresses that parse again as themselves.
func FuzzParseResolvConf(f *testing.F) {
	f.Add("nameserver 192.0.2.1\n")
	f.Add("# c\nsearch a b\noptions ndots:5\nnameserver 2001:db8::1 ; x\nnameserver fe80::1%eth0\n")
	f.Add("nameserver\n")
	f.Add("nameserver 127.0.0.53\r\nnameserver 1.2.3.4:53")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseResolvConf(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") && !strings.HasPrefix(err.Error(), "read resolv.conf") {
				t.Fatalf("error %q does not name a line", err)
			}
			return
		}
		for _, s := range got {
			a, err := netip.ParseAddr(s)
			if err != nil {
				t.Fatalf("returned %q, which does not parse: %v", s, err)
			}
			if a.String() != s {
				t.Fatalf("returned %q, not canonical %q", s, a.String())
			}
		}
	})
}
