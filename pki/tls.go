package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// NodeTLS is a node's identity: its certificate and key, and the cluster CA.
type NodeTLS struct {
	CA   *CA
	Cert tls.Certificate
}

// NewNodeTLS builds a NodeTLS from PEM.
func NewNodeTLS(ca *CA, certPEM, keyPEM []byte) (*NodeTLS, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("node certificate: %w", err)
	}
	// Serve the CA after the leaf so pinning clients can find it.
	cert.Certificate = append(cert.Certificate, ca.Cert.Raw)
	return &NodeTLS{CA: ca, Cert: cert}, nil
}

// ServerConfig is for the HTTP API: any client may connect (bearer tokens
// authenticate users), a client certificate, if given, must be the
// cluster's.
func (n *NodeTLS) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{n.Cert},
		ClientCAs:    n.CA.Pool(),
		ClientAuth:   tls.VerifyClientCertIfGiven,
	}
}

// MutualServerConfig is for agent-only listeners (Raft): peers must present
// a certificate from the cluster CA.
func (n *NodeTLS) MutualServerConfig() *tls.Config {
	c := n.ServerConfig()
	c.ClientAuth = tls.RequireAndVerifyClientCert
	return c
}

// ClientConfig is for agent-to-agent calls: verifies the peer against the
// cluster CA (any node name) and presents this node's certificate.
func (n *NodeTLS) ClientConfig() *tls.Config {
	pool := n.CA.Pool()
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{n.Cert},
		RootCAs:      pool,
		// Peers are addressed by IP:port that may be NATed or loopback;
		// trust is "signed by our CA", checked in VerifyPeerCertificate.
		InsecureSkipVerify:    true, //nolint:gosec // verified below against the cluster CA
		VerifyPeerCertificate: verifyAgainst(pool),
	}
}

// PinnedClientConfig is for clients that know only the token: it accepts
// the server only if the chain it presents contains a CA whose hash is
// caHash and the server's certificate is signed by that CA. Nothing is sent
// before this check passes.
func PinnedClientConfig(caHash string) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // verified below by pinning the CA hash
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) < 2 {
				return errors.New("server presented no CA certificate to pin")
			}
			for _, der := range raw[1:] {
				if CertHash(der) != caHash {
					continue
				}
				ca, err := x509.ParseCertificate(der)
				if err != nil {
					return fmt.Errorf("pinned CA: %w", err)
				}
				pool := x509.NewCertPool()
				pool.AddCert(ca)
				return verifyAgainst(pool)(raw, nil)
			}
			return errors.New("server's CA does not match the token's CA hash (wrong cluster or man in the middle)")
		},
	}
}

func verifyAgainst(pool *x509.CertPool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("peer presented no certificate")
		}
		leaf, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return fmt.Errorf("peer certificate: %w", err)
		}
		_, err = leaf.Verify(x509.VerifyOptions{
			Roots:     pool,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			return fmt.Errorf("peer certificate not signed by the cluster CA: %w", err)
		}
		return nil
	}
}
