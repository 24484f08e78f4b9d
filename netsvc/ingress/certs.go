package ingress

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// DefaultCertCommonName names the self-signed certificate served to a
// TLS client asking for a host no Ingress has a certificate for (or for
// none): like Kubernetes ingress controllers' fake certificate, it keeps
// every other host served and tells the client plainly it is not theirs.
const DefaultCertCommonName = "Shoal Ingress Default Certificate"

// certs chooses the certificate of a TLS handshake by SNI.
type certs struct {
	secrets Secrets
	routes  func() Routes
	def     *tls.Certificate
	log     *slog.Logger

	mu    sync.Mutex
	cache map[api.Key]cachedCert
}

// cachedCert is a parsed Secret at one version; cert is nil when the
// Secret was bad (its warning already logged).
type cachedCert struct {
	version string
	cert    *tls.Certificate
}

func newCerts(s Secrets, routes func() Routes, log *slog.Logger) (*certs, error) {
	def, err := selfSigned(DefaultCertCommonName)
	if err != nil {
		return nil, fmt.Errorf("ingress default certificate: %w", err)
	}
	return &certs{secrets: s, routes: routes, def: def, log: log, cache: map[api.Key]cachedCert{}}, nil
}

// get is tls.Config.GetCertificate.
func (c *certs) get(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	r := c.routes()
	if host == "" || r == nil || c.secrets == nil {
		return c.def, nil
	}
	key, ok := r.TLSSecret(host)
	if !ok {
		return c.def, nil
	}
	if cert := c.lookup(key); cert != nil {
		return cert, nil
	}
	return c.def, nil
}

// lookup returns the parsed certificate of Secret key, nil if it is
// missing or bad (logged once per version).
func (c *certs) lookup(key api.Key) *tls.Certificate {
	s, ok := c.secrets.Secret(key)
	version := "missing"
	if ok {
		version = secretVersion(s)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cc, ok := c.cache[key]; ok && cc.version == version {
		return cc.cert
	}
	var cert *tls.Certificate
	if !ok {
		c.log.Warn("ingress: TLS secret not found; serving the default certificate", "secret", key.String())
	} else if parsed, err := parseTLSSecret(s); err != nil {
		c.log.Warn("ingress: bad TLS secret; serving the default certificate", "secret", key.String(), "err", err)
	} else {
		cert = parsed
	}
	c.cache[key] = cachedCert{version: version, cert: cert}
	return cert
}

// secretVersion identifies a Secret's content: its resourceVersion, or a
// hash of its data when it has none.
func secretVersion(s *api.Secret) string {
	if s.ResourceVersion != "" {
		return "rv:" + s.ResourceVersion
	}
	h := sha256.New()
	h.Write([]byte(s.Type))
	h.Write([]byte{0})
	h.Write(s.Data[api.TLSCertKey])
	h.Write([]byte{0})
	h.Write(s.Data[api.TLSPrivateKeyKey])
	return fmt.Sprintf("sha256:%x", h.Sum(nil))
}

// parseTLSSecret checks the Secret's type and keys and parses its
// certificate chain and key.
func parseTLSSecret(s *api.Secret) (*tls.Certificate, error) {
	if s.Type != api.SecretTypeTLS {
		return nil, fmt.Errorf("type is %q, want %q", s.Type, api.SecretTypeTLS)
	}
	crt, key := s.Data[api.TLSCertKey], s.Data[api.TLSPrivateKeyKey]
	if len(crt) == 0 || len(key) == 0 {
		return nil, fmt.Errorf("want non-empty %q and %q", api.TLSCertKey, api.TLSPrivateKeyKey)
	}
	cert, err := tls.X509KeyPair(crt, key)
	if err != nil {
		return nil, fmt.Errorf("parse key pair: %w", err)
	}
	return &cert, nil
}

// selfSigned makes an ECDSA P-256 certificate for cn, valid ten years.
func selfSigned(cn string) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Shoal"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"ingress.local"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
