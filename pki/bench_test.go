package pki

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// BenchmarkSignNode measures one node certificate signature (a join or a
// renewal on the voter).
func BenchmarkSignNode(b *testing.B) {
	ca, err := NewCA(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	_, csr, err := NewKeyAndCSR("n1")
	if err != nil {
		b.Fatal(err)
	}
	ips := []net.IP{net.IPv4(10, 0, 0, 1)}
	for b.Loop() {
		if _, err := ca.SignFor(csr, "n1", ips, time.Now(), time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMutualHandshake measures a mutual TLS handshake between two
// nodes: "swappable" through NodeTLS (certificate and trust read at each
// handshake, as agents run), "static" with fixed tls.Configs, the way
// agents were configured before renewal and rotation.
func BenchmarkMutualHandshake(b *testing.B) {
	ca, err := NewCA(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	mk := func(name string) *NodeTLS {
		keyPEM, csrPEM, err := NewKeyAndCSR(name)
		if err != nil {
			b.Fatal(err)
		}
		certPEM, err := ca.Sign(csrPEM, name, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		n, err := NewNodeTLS(ca, certPEM, keyPEM)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	srv, cli := mk("n1"), mk("n2")
	static := func(n *NodeTLS) (server, client *tls.Config) {
		cert, pool := n.current()
		server = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
		client = n.ClientConfig()
		client.GetClientCertificate = nil
		client.Certificates = []tls.Certificate{*cert}
		return server, client
	}
	sStatic, _ := static(srv)
	_, cStatic := static(cli)
	for _, bc := range []struct {
		name           string
		server, client *tls.Config
	}{
		{"swappable", srv.MutualServerConfig(), cli.ClientConfig()},
		{"static", sStatic, cStatic},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ln, err := tls.Listen("tcp", "127.0.0.1:0", bc.server)
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					_ = c.(*tls.Conn).Handshake()
					c.Close()
				}
			}()
			for b.Loop() {
				c, err := tls.Dial("tcp", ln.Addr().String(), bc.client)
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}
