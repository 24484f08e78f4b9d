package pki

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"
	"time"
)

// nodeCert signs a fresh node key for name with ca.
func nodeCert(t *testing.T, ca *CA, name string, validity time.Duration) (certPEM, keyPEM []byte) {
	t.Helper()
	keyPEM, csrPEM, err := NewKeyAndCSR(name)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err = ca.SignFor(csrPEM, name, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Now(), validity)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, keyPEM
}

// serveNode serves "hello" over TLS with node's current certificate.
func serveNode(t *testing.T, node *NodeTLS, mutual bool) string {
	t.Helper()
	cfg := node.ServerConfig()
	if mutual {
		cfg = node.MutualServerConfig()
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.WriteString(c, "hello")
			}()
		}
	}()
	return ln.Addr().String()
}

func dialOK(addr string, cfg *tls.Config) error {
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = io.ReadAll(c)
	return err
}

// TestRotationKeepsEveryoneConnected walks a CA rotation: a node renewed
// under the new CA still talks to a node with an old certificate while
// both CAs are trusted; a client pinning the old CA still connects through
// the cross certificate; once the old CA is dropped, its certificates and
// its pin are refused.
func TestRotationKeepsEveryoneConnected(t *testing.T) {
	oldCA, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	newCA, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if oldCA.Cert.Subject.CommonName == newCA.Cert.Subject.CommonName {
		t.Fatalf("got the same CA name %q twice, want distinct names", oldCA.Cert.Subject.CommonName)
	}
	crossPEM, err := oldCA.CrossSign(newCA, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cross, err := ParseCertificate(crossPEM)
	if err != nil {
		t.Fatal(err)
	}

	c1, k1 := nodeCert(t, oldCA, "n1", time.Hour)
	n1, err := NewNodeTLS(oldCA, c1, k1)
	if err != nil {
		t.Fatal(err)
	}
	c2, k2 := nodeCert(t, oldCA, "n2", time.Hour)
	n2, err := NewNodeTLS(oldCA, c2, k2)
	if err != nil {
		t.Fatal(err)
	}
	addr1 := serveNode(t, n1, true)
	api1 := serveNode(t, n1, false)

	// Rotation starts: both trust both CAs, n1 renews under the new one.
	both := []*x509.Certificate{newCA.Cert, oldCA.Cert}
	n1.SetTrust(both, []*x509.Certificate{cross})
	n2.SetTrust(both, nil)
	r1, rk1 := nodeCert(t, newCA, "n1", time.Hour)
	if err := n1.SetCertificate(r1, rk1); err != nil {
		t.Fatal(err)
	}
	if got := n1.Leaf().Issuer.CommonName; got != newCA.Cert.Subject.CommonName {
		t.Fatalf("got issuer %q after renewal, want %q", got, newCA.Cert.Subject.CommonName)
	}
	if err := dialOK(addr1, n2.ClientConfig()); err != nil {
		t.Fatalf("old-certificate node to renewed node: %v", err)
	}
	if err := dialOK(api1, PinnedClientConfig(oldCA.Hash())); err != nil {
		t.Fatalf("client pinning the old CA during the rotation: %v", err)
	}
	if err := dialOK(api1, PinnedClientConfig(newCA.Hash())); err != nil {
		t.Fatalf("client pinning the new CA: %v", err)
	}

	// Rotation ends: only the new CA is trusted.
	n1.SetTrust([]*x509.Certificate{newCA.Cert}, nil)
	if err := dialOK(addr1, n2.ClientConfig()); err == nil {
		t.Fatal("got a connection from a node certificate of the dropped CA, want refusal")
	}
	if err := dialOK(api1, PinnedClientConfig(oldCA.Hash())); err == nil {
		t.Fatal("got a connection pinning the dropped CA, want refusal")
	}
	if err := n1.SetCertificate(c1, k1); err == nil {
		t.Fatal("got an old-CA certificate installed after the rotation, want refusal")
	}
}

func TestNeedsRenewal(t *testing.T) {
	ca, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _ := nodeCert(t, ca, "n1", 9*time.Hour)
	cert, err := ParseCertificate(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if got := RoleOf(cert); got != RoleNode {
		t.Fatalf("got role %q, want %q", got, RoleNode)
	}
	now := time.Now()
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"fresh", now, false},
		{"half way", now.Add(4*time.Hour + 30*time.Minute), false},
		{"two thirds", now.Add(6*time.Hour + time.Minute), true},
		{"expired", now.Add(10 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsRenewal(cert, tt.at); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseCertificates(t *testing.T) {
	a, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bundle := EncodeCertificates([]*x509.Certificate{a.Cert, b.Cert})
	tests := []struct {
		name    string
		in      []byte
		want    int
		wantErr bool
	}{
		{"two", bundle, 2, false},
		{"empty", nil, 0, true},
		{"key inside", append(append([]byte{}, bundle...), a.KeyPEM...), 0, true},
		{"trailing junk", append(append([]byte{}, bundle...), "junk"...), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCertificates(tt.in)
			if (err != nil) != tt.wantErr || len(got) != tt.want {
				t.Fatalf("got %d certificates, err %v; want %d, error %v", len(got), err, tt.want, tt.wantErr)
			}
		})
	}
}
