package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
)

// NodeTLS is a node's identity: its certificate and key, and the CA
// certificates it trusts. Both can change while the node runs (renewal,
// CA rotation): the TLS configurations it hands out read the current ones
// at every handshake.
type NodeTLS struct {
	mu    sync.RWMutex
	cert  *tls.Certificate
	leaf  *x509.Certificate
	trust []*x509.Certificate
	extra []*x509.Certificate
	pool  *x509.CertPool
}

// NewNodeTLS builds a NodeTLS trusting only ca from PEM.
func NewNodeTLS(ca *CA, certPEM, keyPEM []byte) (*NodeTLS, error) {
	return NewNodeTLSTrusting([]*x509.Certificate{ca.Cert}, nil, certPEM, keyPEM)
}

// NewNodeTLSTrusting builds a NodeTLS that trusts the CA certificates
// trust and presents extra (cross certificates) in its chain.
func NewNodeTLSTrusting(trust, extra []*x509.Certificate, certPEM, keyPEM []byte) (*NodeTLS, error) {
	n := &NodeTLS{}
	n.SetTrust(trust, extra)
	if err := n.SetCertificate(certPEM, keyPEM); err != nil {
		return nil, err
	}
	return n, nil
}

// SetCertificate replaces the node's certificate and key. The certificate
// must be a node certificate signed by a trusted CA.
func (n *NodeTLS) SetCertificate(certPEM, keyPEM []byte) error {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("node certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return fmt.Errorf("node certificate: %w", err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: n.pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("node certificate: not signed by a trusted CA: %w", err)
	}
	cert.Leaf = leaf
	n.cert, n.leaf = &cert, leaf
	n.rechainLocked()
	return nil
}

// SetTrust replaces the trusted CA certificates and the cross
// certificates presented after the node's own.
func (n *NodeTLS) SetTrust(trust, extra []*x509.Certificate) {
	pool := x509.NewCertPool()
	for _, c := range trust {
		pool.AddCert(c)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.trust, n.extra, n.pool = trust, extra, pool
	n.rechainLocked()
}

// rechainLocked rebuilds the presented chain: the leaf, the cross
// certificates, then every trusted CA (its issuer among them), so that
// a client pinning any trusted CA finds it.
func (n *NodeTLS) rechainLocked() {
	if n.cert == nil {
		return
	}
	c := *n.cert
	c.Certificate = [][]byte{n.leaf.Raw}
	for _, x := range n.extra {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	for _, x := range n.trust {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	n.cert = &c
}

// Leaf is the node's current certificate.
func (n *NodeTLS) Leaf() *x509.Certificate {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.leaf
}

// Trust is the CA certificates the node trusts now.
func (n *NodeTLS) Trust() []*x509.Certificate {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.trust
}

// Extra is the cross certificates the node presents now.
func (n *NodeTLS) Extra() []*x509.Certificate {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.extra
}

func (n *NodeTLS) current() (*tls.Certificate, *x509.CertPool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.cert, n.pool
}

// ServerConfig is for the HTTP API: any client may connect (bearer tokens
// authenticate users), a client certificate, if given, must be signed by
// a trusted CA.
func (n *NodeTLS) ServerConfig() *tls.Config {
	return n.serverConfig(tls.VerifyClientCertIfGiven)
}

// MutualServerConfig is for agent-only listeners (Raft): peers must present
// a certificate from a trusted CA.
func (n *NodeTLS) MutualServerConfig() *tls.Config {
	return n.serverConfig(tls.RequireAndVerifyClientCert)
}

func (n *NodeTLS) serverConfig(auth tls.ClientAuthType) *tls.Config {
	// Each handshake gets the certificate and trust of the moment, so a
	// renewal or rotation needs no restart of a listener.
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ClientAuth: auth,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			cert, pool := n.current()
			return &tls.Config{
				MinVersion:   tls.VersionTLS12,
				Certificates: []tls.Certificate{*cert},
				ClientCAs:    pool,
				ClientAuth:   auth,
			}, nil
		},
	}
}

// ClientConfig is for agent-to-agent calls: verifies the peer against the
// trusted CAs (any node name) and presents this node's certificate.
func (n *NodeTLS) ClientConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, _ := n.current()
			return cert, nil
		},
		// Peers are addressed by IP:port that may be NATed or loopback;
		// trust is "signed by a trusted CA", checked in
		// VerifyPeerCertificate.
		InsecureSkipVerify: true, //nolint:gosec // verified below against the trusted CAs
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			_, pool := n.current()
			return verifyAgainst(pool)(raw, nil)
		},
	}
}

// PinnedClientConfig is for clients that know only the token: it accepts
// the server only if the chain it presents contains a CA whose hash is
// caHash and the server's certificate chains up to that CA (through the
// other certificates presented, e.g. a cross certificate during a CA
// rotation). Nothing is sent before this check passes.
func PinnedClientConfig(caHash string) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // verified below by pinning the CA hash
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) < 2 {
				return errors.New("server presented no CA certificate to pin")
			}
			roots, inter := x509.NewCertPool(), x509.NewCertPool()
			pinned := false
			for _, der := range raw[1:] {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return fmt.Errorf("server chain: %w", err)
				}
				if CertHash(der) == caHash {
					roots.AddCert(c)
					pinned = true
				} else {
					inter.AddCert(c)
				}
			}
			if !pinned {
				return errors.New("server's CA does not match the token's CA hash (wrong cluster, a rotated CA, or a man in the middle)")
			}
			leaf, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return fmt.Errorf("server certificate: %w", err)
			}
			_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			if err != nil {
				return fmt.Errorf("server certificate not signed by the token's CA: %w", err)
			}
			return nil
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
			return fmt.Errorf("peer certificate not signed by a trusted CA: %w", err)
		}
		return nil
	}
}
