package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// CA is the cluster certificate authority.
type CA struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM []byte
	KeyPEM  []byte
}

const (
	caValidity = 10 * 365 * 24 * time.Hour
	// DefaultNodeValidity is how long a node certificate is valid; nodes
	// renew theirs once two thirds of it have passed.
	DefaultNodeValidity = 7 * 24 * time.Hour
	// Backdate is how far before its issue a certificate becomes valid,
	// for clocks a little behind the signer's.
	Backdate = time.Minute
)

// Roles in node certificates (Subject.OrganizationalUnit): RoleNode may
// become a Raft voter, RoleWorker (admitted with the worker join token)
// never does.
const (
	RoleNode   = "node"
	RoleWorker = "worker"
)

// NewCA makes a new self-signed ECDSA P-256 cluster CA.
func NewCA(now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	// Each CA has its own name (the serial's first digits), so that
	// during a rotation chains through the old and the new CA never mix
	// them up.
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: fmt.Sprintf("shoal-cluster-ca-%x", serial.Bytes()[:4]), Organization: []string{"shoal"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// One level below: the cross certificate of a CA rotation.
		MaxPathLen: 1,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal CA key: %w", err)
	}
	return ParseCA(
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	)
}

// ParseCA reads a CA from PEM. keyPEM may be nil for a CA used only to
// verify.
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := ParseCertificate(certPEM)
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("CA certificate: not a CA")
	}
	ca := &CA{Cert: cert, CertPEM: certPEM}
	if keyPEM != nil {
		key, err := ParseKey(keyPEM)
		if err != nil {
			return nil, fmt.Errorf("CA key: %w", err)
		}
		ca.Key, ca.KeyPEM = key, keyPEM
	}
	return ca, nil
}

// Hash is the pin of the CA: hex SHA-256 of its DER certificate.
func (ca *CA) Hash() string { return CertHash(ca.Cert.Raw) }

// CertHash returns hex SHA-256 of a DER certificate.
func CertHash(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// Pool returns a pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Sign issues a node certificate valid for DefaultNodeValidity (see
// SignFor).
func (ca *CA) Sign(csrPEM []byte, name string, ips []net.IP, now time.Time) ([]byte, error) {
	return ca.SignFor(csrPEM, name, ips, now, DefaultNodeValidity)
}

// SignFor issues a certificate for a node named name, valid as both TLS
// server and client for validity, for the public key in the PEM
// certificate request csrPEM. The certificate names the node (CN and a
// DNS SAN), its role (OU, RoleNode) and its IP addresses.
func (ca *CA) SignFor(csrPEM []byte, name string, ips []net.IP, now time.Time, validity time.Duration) ([]byte, error) {
	return ca.SignRole(csrPEM, name, RoleNode, ips, now, validity)
}

// SignRole is SignFor with the role the certificate carries.
func (ca *CA) SignRole(csrPEM []byte, name, role string, ips []net.IP, now time.Time, validity time.Duration) ([]byte, error) {
	if ca.Key == nil {
		return nil, errors.New("sign: this node holds no CA key")
	}
	block, _ := pem.Decode(csrPEM)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("sign: certificate request is not PEM")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("sign: parse certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("sign: certificate request signature: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name, Organization: []string{"shoal-nodes"}, OrganizationalUnit: []string{role}},
		DNSNames:     []string{name, "localhost"},
		IPAddresses:  append(append([]net.IP(nil), ips...), net.IPv4(127, 0, 0, 1), net.IPv6loopback),
		NotBefore:    now.Add(-Backdate),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// CrossSign certifies next's key and name with this CA's key: a client
// that trusts only this CA then also trusts certificates next issues,
// through the cross certificate as an intermediate. A CA rotation serves
// it so that clients pinning the old CA keep working until the old CA is
// dropped.
func (ca *CA) CrossSign(next *CA, now time.Time) ([]byte, error) {
	if ca.Key == nil {
		return nil, errors.New("cross-sign: this node holds no CA key")
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               next.Cert.Subject,
		SubjectKeyId:          next.Cert.SubjectKeyId,
		NotBefore:             now.Add(-Backdate),
		NotAfter:              next.Cert.NotAfter,
		KeyUsage:              next.Cert.KeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	if tmpl.NotAfter.After(ca.Cert.NotAfter) {
		tmpl.NotAfter = ca.Cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, next.Cert.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("cross-sign: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// NeedsRenewal reports whether a node certificate should be renewed: a
// third or less of its lifetime is left.
func NeedsRenewal(cert *x509.Certificate, now time.Time) bool {
	lifetime := cert.NotAfter.Sub(cert.NotBefore) - Backdate
	return cert.NotAfter.Sub(now) < lifetime/3
}

// RoleOf is the role a certificate carries ("" for none).
func RoleOf(cert *x509.Certificate) string {
	if len(cert.Subject.OrganizationalUnit) != 1 {
		return ""
	}
	return cert.Subject.OrganizationalUnit[0]
}

// ParseCertificates decodes every PEM certificate of a bundle; it fails on
// anything else in it, and on an empty bundle.
func ParseCertificates(bundle []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if len(bytes.TrimSpace(rest)) > 0 {
				return nil, errors.New("certificate bundle: text that is not PEM")
			}
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("certificate bundle: unexpected %s", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate bundle: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("certificate bundle: no certificate")
	}
	return certs, nil
}

// EncodeCertificates is the PEM bundle of certs.
func EncodeCertificates(certs []*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// NewKeyAndCSR makes a node key and a certificate request for name.
func NewKeyAndCSR(name string) (keyPEM, csrPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate node key: %w", err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: name},
	}, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate request: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal node key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// ParseCertificate decodes one PEM certificate.
func ParseCertificate(certPEM []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// ParseKey decodes one PEM EC private key.
func ParseKey(keyPEM []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil || block.Type != "EC PRIVATE KEY" {
		return nil, errors.New("not a PEM EC private key")
	}
	return x509.ParseECPrivateKey(block.Bytes)
}

func randomSerial() (*big.Int, error) {
	s, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	return s, nil
}
