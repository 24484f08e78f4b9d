package api

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

func init() {
	register(&Kind{
		Name: "ClusterAuth", APIVersion: "shoal.dev/v1", Plural: "clusterauths",
		Aliases: []string{"clusterauth"}, Namespaced: false, UserWritable: false,
		New: func() Object { return &ClusterAuth{} },
	})
}

// ClusterAuthName is the name of the one ClusterAuth object.
const ClusterAuthName = "cluster"

// ClusterAuth is what every node needs to check credentials and peers:
// hashes of the admin and join secrets (never the secrets: every node
// holds a replica, only voters hold the secrets) and the CA certificates
// nodes trust. The leader writes it: when the cluster starts, and when a
// token or the CA is rotated.
type ClusterAuth struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       ClusterAuthSpec `json:"spec"`
}

// ClusterAuthSpec is the content of ClusterAuth.
type ClusterAuthSpec struct {
	// AdminSecretSHA256 is the hex SHA-256 of the admin token's secret.
	AdminSecretSHA256 string `json:"adminSecretSHA256"`
	// JoinSecretSHA256 is the hex SHA-256 of the join token's secret:
	// nodes that join with it may become Raft voters.
	JoinSecretSHA256 string `json:"joinSecretSHA256"`
	// WorkerJoinSecretSHA256 is the hex SHA-256 of the worker join
	// token's secret: nodes that join with it never become voters, so
	// never hold the CA key.
	WorkerJoinSecretSHA256 string `json:"workerJoinSecretSHA256"`
	// Workers are the nodes admitted with the worker join token.
	Workers []string `json:"workers,omitempty"`
	// SignerCA is the hash (hex SHA-256 of the DER certificate) of the CA
	// that signs node certificates now.
	SignerCA string `json:"signerCA"`
	// TrustedCAs are the PEM certificates of the CAs whose node
	// certificates are accepted: the signer's, and during a CA rotation
	// also the previous one.
	TrustedCAs []string `json:"trustedCAs"`
	// CrossCerts are, during a CA rotation, the signer's certificate
	// signed by the previous CA, which nodes present so that clients
	// pinning the previous CA still connect until the rotation ends.
	CrossCerts []string `json:"crossCerts,omitempty"`
}

// IsWorker reports whether node was admitted with the worker join token.
func (s *ClusterAuthSpec) IsWorker(node string) bool { return slices.Contains(s.Workers, node) }

// Rotating reports whether a CA rotation is under way.
func (s *ClusterAuthSpec) Rotating() bool { return len(s.TrustedCAs) > 1 }

func validateClusterAuth(e *errs, c *ClusterAuth) {
	if c.Name != "" && c.Name != ClusterAuthName {
		e.add("metadata.name", "got %s, want %q: a cluster has one ClusterAuth", quote(c.Name), ClusterAuthName)
	}
	s := &c.Spec
	for _, f := range []struct{ path, v string }{
		{"spec.adminSecretSHA256", s.AdminSecretSHA256},
		{"spec.joinSecretSHA256", s.JoinSecretSHA256},
		{"spec.workerJoinSecretSHA256", s.WorkerJoinSecretSHA256},
		{"spec.signerCA", s.SignerCA},
	} {
		if _, err := hex.DecodeString(f.v); err != nil || len(f.v) != 64 {
			e.add(f.path, "got %s, want 64 hex digits", quote(f.v))
		}
	}
	for i, w := range s.Workers {
		if !IsDNSLabel(w) {
			e.add(fmt.Sprintf("spec.workers[%d]", i), "got %s, want a node name", quote(w))
		}
	}
	if len(s.TrustedCAs) == 0 {
		e.required("spec.trustedCAs")
	}
	for i, c := range append(append([]string{}, s.TrustedCAs...), s.CrossCerts...) {
		if !strings.HasPrefix(strings.TrimSpace(c), "-----BEGIN CERTIFICATE-----") {
			e.add("spec.trustedCAs", "entry %d is not a PEM certificate", i)
		}
	}
}

// CAStatus answers GET /v1/ca: which CA signs, which are trusted, and
// which CA issued each node's certificate.
type CAStatus struct {
	// Signer is the hash of the CA that signs node certificates.
	Signer string `json:"signer"`
	// Trusted are the hashes of the trusted CAs, the signer first.
	Trusted []string `json:"trusted"`
	// Nodes maps each Raft member to the first 16 hex digits of the hash
	// of the CA that issued its certificate, "" if not known.
	Nodes map[string]string `json:"nodes"`
	// Rotating is true while more than one CA is trusted.
	Rotating bool `json:"rotating"`
	// AdminToken and JoinToken are the tokens pinning the signer, set in
	// the answer to a rotation (the secrets are unchanged).
	AdminToken  string `json:"adminToken,omitempty"`
	JoinToken   string `json:"joinToken,omitempty"`
	WorkerToken string `json:"workerToken,omitempty"`
}

// TokenAnswer carries a token: the answer of GET /v1/token and of a token
// rotation.
type TokenAnswer struct {
	Token string `json:"token"`
}
