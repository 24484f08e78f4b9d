package pki

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseToken(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	tests := []struct {
		name, in, wantErr string
	}{
		{"good", "SHOAL-1-" + hash + "-0123456789abcdef0123", ""},
		{"empty", "", "empty token"},
		{"wrong prefix", "K10-" + hash + "-0123456789abcdef", "must start with"},
		{"no secret", "SHOAL-1-" + hash, "want SHOAL-1-"},
		{"short hash", "SHOAL-1-abcd-0123456789abcdef", "64 hex digits"},
		{"non-hex hash", "SHOAL-1-" + strings.Repeat("zz", 32) + "-0123456789abcdef", "64 hex digits"},
		{"short secret", "SHOAL-1-" + hash + "-abc", "too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ParseToken(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if got := tok.String(); got != tt.in {
					t.Fatalf("got %q, want %q", got, tt.in)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadToken) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestSecretMatches(t *testing.T) {
	tok := Token{CAHash: strings.Repeat("0", 64), Secret: "s3cret-s3cret-s3cret"}
	if !tok.SecretMatches("s3cret-s3cret-s3cret") {
		t.Fatal("got mismatch for the right secret")
	}
	for _, bad := range []string{"", "s3cret", "s3cret-s3cret-s3creT"} {
		if tok.SecretMatches(bad) {
			t.Fatalf("got match for %q, want mismatch", bad)
		}
	}
}

// serve runs a TLS server with a node certificate of ca and returns its
// address; each connection gets "hello".
func serve(t *testing.T, ca *CA) string {
	t.Helper()
	certPEM, keyPEM := nodeCert(t, ca, "n1", time.Hour)
	node, err := NewNodeTLS(ca, certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return serveNode(t, node, false)
}

func TestPinnedClient(t *testing.T) {
	ca, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, ca)
	tests := []struct {
		name   string
		hash   string
		wantOK bool
	}{
		{"right CA", ca.Hash(), true},
		{"other cluster's CA", other.Hash(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tls.Dial("tcp", addr, PinnedClientConfig(tt.hash))
			if err == nil {
				c.Close()
			}
			if got := err == nil; got != tt.wantOK {
				t.Fatalf("got handshake ok=%v (err %v), want %v", got, err, tt.wantOK)
			}
		})
	}
}

func TestSignRejectsGarbage(t *testing.T) {
	ca, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Sign([]byte("not a csr"), "n1", nil, time.Now()); err == nil {
		t.Fatal("got no error for a garbage CSR")
	}
	verifyOnly, err := ParseCA(ca.CertPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, csr, err := NewKeyAndCSR("n2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifyOnly.Sign(csr, "n2", nil, time.Now()); err == nil {
		t.Fatal("got no error signing without a CA key")
	}
}
