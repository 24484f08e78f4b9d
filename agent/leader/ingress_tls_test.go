package leader

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// testCertPEM makes a self-signed certificate and key for host.
func testCertPEM(t *testing.T, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func TestTLSSecretProblem(t *testing.T) {
	cert, key := testCertPEM(t, "a.test")
	_, otherKey := testCertPEM(t, "b.test")
	secret := func(typ api.SecretType, c, k []byte) *api.Secret {
		return &api.Secret{Type: typ, Data: map[string][]byte{api.TLSCertKey: c, api.TLSPrivateKeyKey: k}}
	}
	tests := []struct {
		name   string
		secret *api.Secret
		want   string // "" or a part of the problem
	}{
		{"a good certificate and key", secret(api.SecretTypeTLS, cert, key), ""},
		{"not a Secret", nil, "not a Secret"},
		{"an Opaque Secret", secret(api.SecretTypeOpaque, cert, key), `type "Opaque", want kubernetes.io/tls`},
		{"garbage", secret(api.SecretTypeTLS, []byte("x"), []byte("y")), "do not make a certificate and key"},
		{"a key of another certificate", secret(api.SecretTypeTLS, cert, otherKey), "do not make a certificate and key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tlsSecretProblem(tt.secret)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPlanIngressesTLSWarnings(t *testing.T) {
	ours, theirs := testIngress("ours", ""), testIngress("theirs", "nginx")
	for _, ing := range []*api.Ingress{ours, theirs} {
		ing.Spec.TLS = []api.IngressTLS{{Hosts: []string{"a.test"}, SecretName: "a-tls"}}
	}
	ch := planIngresses(ingressState{
		now:         t0,
		ingresses:   []*api.Ingress{ours, theirs},
		classes:     []*api.IngressClass{testClass("nginx", "k8s.io/ingress-nginx", false)},
		tlsProblems: map[api.Key]string{{Kind: "Secret", Namespace: "default", Name: "a-tls"}: "no such Secret in namespace default"},
	})
	if len(ch.Creates) != 1 {
		t.Fatalf("got %d creates, want 1 (on Shoal's Ingress only)", len(ch.Creates))
	}
	e := ch.Creates[0].(*api.Event)
	want := `spec.tls[0].secretName "a-tls": no such Secret in namespace default; hosts a.test get the default certificate`
	if e.Reason != ReasonBadTLSSecret || e.Message != want || e.InvolvedObject.Name != "ours" {
		t.Fatalf("got %s %q on %s, want %s %q on ours", e.Reason, e.Message, e.InvolvedObject.Name, ReasonBadTLSSecret, want)
	}
}
