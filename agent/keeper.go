package agent

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/shoal-dev/shoal/agent/apiserver"
	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/pki"
)

// caTagLen is how many hex digits of a CA hash nodes gossip.
const caTagLen = 16

// keepCredentials keeps this node's credentials in step with the
// cluster's ClusterAuth: it trusts the CAs listed there, holds the voter
// secrets exactly while it is a voter, renews its certificate before it
// expires or when another CA signs, and, as leader, records the
// credentials of a new cluster and ends a CA rotation once every member
// has renewed.
func (a *Agent) keepCredentials(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		a.credentialPass(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (a *Agent) credentialPass(ctx context.Context) {
	a.credMu.Lock()
	defer a.credMu.Unlock()
	spec, ok := a.clusterAuth()
	if !ok {
		if a.raft.IsLeader() {
			a.recordClusterAuth(ctx)
		}
		return
	}
	if err := a.refreshTrust(spec); err != nil {
		a.logger.Warn("update the trusted CAs", "err", err)
	}
	if err := a.syncVoterSecrets(ctx, spec); err != nil {
		a.logger.Warn("voter secrets", "err", err)
	}
	if time.Now().After(a.nextRenewal) {
		if err := a.renewIfDue(ctx, spec); err != nil {
			a.nextRenewal = time.Now().Add(5 * time.Second)
			a.logger.Warn("renew the node certificate", "err", err)
		}
	}
	if a.raft.IsLeader() && spec.Rotating() {
		a.finishRotation(ctx, spec)
	}
}

// recordClusterAuth writes the first ClusterAuth from this leader's
// secrets (a data dir from before admin tokens gets one now).
func (a *Agent) recordClusterAuth(ctx context.Context) {
	vs := a.id.Secrets()
	if vs == nil {
		return
	}
	if vs.Admin.Secret == "" || vs.Worker.Secret == "" {
		// A data dir from before these tokens existed.
		next := *vs
		var err error
		for _, t := range []*pki.Token{&next.Admin, &next.Worker} {
			if t.Secret == "" && err == nil {
				*t, err = pki.NewSecretToken(vs.Signer.Hash())
			}
		}
		if err == nil {
			err = a.adoptVoterSecrets(&next)
		}
		if err != nil {
			a.logger.Warn("make the admin and worker tokens", "err", err)
			return
		}
		vs = &next
	}
	spec := api.ClusterAuthSpec{
		AdminSecretSHA256:      pki.SecretHash(vs.Admin.Secret),
		JoinSecretSHA256:       pki.SecretHash(vs.Join.Secret),
		WorkerJoinSecretSHA256: pki.SecretHash(vs.Worker.Secret),
		SignerCA:               vs.Signer.Hash(),
	}
	for _, c := range a.id.TLS.Trust() {
		spec.TrustedCAs = append(spec.TrustedCAs, string(pki.EncodeCertificates([]*x509.Certificate{c})))
	}
	if err := a.writeClusterAuth(ctx, spec); err != nil {
		a.logger.Warn("record the cluster's credentials", "err", err)
		return
	}
	a.logger.Info("recorded the cluster's credentials")
}

// refreshTrust makes the node trust exactly the CAs of spec.
func (a *Agent) refreshTrust(spec *api.ClusterAuthSpec) error {
	trust, cross, err := trustedCerts(spec)
	if err != nil {
		return err
	}
	if slices.Equal(hashes(trust), hashes(a.id.TLS.Trust())) && slices.Equal(hashes(cross), hashes(a.id.TLS.Extra())) {
		return nil
	}
	a.id.TLS.SetTrust(trust, cross)
	if err := writeFileAtomic(filepath.Join(a.cfg.DataDir, fileCACert), pki.EncodeCertificates(trust), 0o600); err != nil {
		return err
	}
	a.logger.Info("trusting the cluster's CAs", "cas", len(trust), "rotating", spec.Rotating())
	return nil
}

// syncVoterSecrets takes the voter secrets over from another voter while
// this node is a voter and lacks them, and deletes them once it is not.
func (a *Agent) syncVoterSecrets(ctx context.Context, spec *api.ClusterAuthSpec) error {
	roles := a.raftRoles()
	role := roles[a.cfg.Name]
	vs := a.id.Secrets()
	switch role {
	case api.RoleLeader, api.RoleVoter:
		if vs != nil && secretsMatch(vs, spec) {
			return nil
		}
		return a.fetchVoterSecrets(ctx, spec, roles)
	case api.RoleNonvoter:
		leader, _ := a.raft.Leader()
		if vs == nil || leader == "" || leader == a.cfg.Name {
			return nil
		}
		if err := removeVoterSecrets(a.cfg.DataDir); err != nil {
			return err
		}
		a.id.secrets.Store(nil)
		a.logger.Info("removed the CA key and tokens: this node is no longer a Raft voter")
	}
	return nil
}

// fetchVoterSecrets asks the other voters, leader first, for the secrets
// spec describes.
func (a *Agent) fetchVoterSecrets(ctx context.Context, spec *api.ClusterAuthSpec, roles map[string]string) error {
	var errs []error
	for _, name := range votersLeaderFirst(roles, a.cfg.Name) {
		var ws apiserver.VoterSecrets
		if err := a.callPeer(ctx, name, http.MethodGet, "/internal/v1/secrets", nil, &ws); err != nil {
			errs = append(errs, err)
			continue
		}
		vs, err := parseVoterSecrets(ws)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		if !secretsMatch(vs, spec) {
			errs = append(errs, fmt.Errorf("%s does not hold the current secrets yet", name))
			continue
		}
		if err := a.adoptVoterSecrets(vs); err != nil {
			return err
		}
		a.logger.Info("took over the CA key and tokens as a Raft voter", "from", name)
		return nil
	}
	if len(errs) == 0 {
		return errors.New("no other voter to take the CA key from")
	}
	return fmt.Errorf("take over the CA key: %w", errors.Join(errs...))
}

func parseVoterSecrets(ws apiserver.VoterSecrets) (*voterSecrets, error) {
	signer, err := pki.ParseCA([]byte(ws.SignerCert), []byte(ws.SignerKey))
	if err != nil {
		return nil, err
	}
	vs := &voterSecrets{Signer: signer}
	if vs.Join, err = pki.ParseToken(ws.JoinToken); err != nil {
		return nil, fmt.Errorf("join token: %w", err)
	}
	if vs.Worker, err = pki.ParseToken(ws.WorkerToken); err != nil {
		return nil, fmt.Errorf("worker join token: %w", err)
	}
	if vs.Admin, err = pki.ParseToken(ws.AdminToken); err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	return vs, nil
}

// votersLeaderFirst lists the voters other than self, the leader first.
func votersLeaderFirst(roles map[string]string, self string) []string {
	var out []string
	for name, role := range roles {
		if name == self {
			continue
		}
		switch role {
		case api.RoleLeader:
			out = append([]string{name}, out...)
		case api.RoleVoter:
			out = append(out, name)
		}
	}
	return out
}

// renewIfDue renews the node certificate when a third of its lifetime is
// left or another CA signs now: with its own CA key on a voter, otherwise
// from the voters.
func (a *Agent) renewIfDue(ctx context.Context, spec *api.ClusterAuthSpec) error {
	leaf := a.id.TLS.Leaf()
	issuer := issuerHash(leaf, a.id.TLS.Trust())
	a.advertiseCA(issuer)
	if issuer == spec.SignerCA && !pki.NeedsRenewal(leaf, time.Now()) {
		return nil
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR(a.cfg.Name)
	if err != nil {
		return err
	}
	var certPEM []byte
	if certPEM, err = (authority{a}).SignNode(csrPEM, a.cfg.Name, leaf.IPAddresses); errors.Is(err, apiserver.ErrNoCAKey) {
		certPEM, err = a.renewFromVoters(ctx, csrPEM)
	}
	if err != nil {
		return err
	}
	if err := saveNodeCert(a.cfg.DataDir, certPEM, keyPEM); err != nil {
		return err
	}
	if err := a.id.TLS.SetCertificate(certPEM, keyPEM); err != nil {
		return err
	}
	leaf = a.id.TLS.Leaf()
	a.advertiseCA(issuerHash(leaf, a.id.TLS.Trust()))
	a.logger.Info("renewed the node certificate", "expires", leaf.NotAfter.UTC().Format(time.RFC3339))
	return nil
}

func (a *Agent) renewFromVoters(ctx context.Context, csrPEM []byte) ([]byte, error) {
	body, err := json.Marshal(apiserver.RenewRequest{CSR: string(csrPEM)})
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, name := range votersLeaderFirst(a.raftRoles(), a.cfg.Name) {
		var res apiserver.RenewResponse
		if err := a.callPeer(ctx, name, http.MethodPost, "/internal/v1/renew", body, &res); err != nil {
			errs = append(errs, err)
			continue
		}
		return []byte(res.NodeCert), nil
	}
	if len(errs) == 0 {
		return nil, errors.New("no voter to renew the certificate with")
	}
	return nil, errors.Join(errs...)
}

// advertiseCA gossips which CA issued this node's certificate.
func (a *Agent) advertiseCA(hash string) {
	tag := caTag(hash)
	if a.gossip.LocalMeta().CA == tag {
		return
	}
	if err := a.gossip.UpdateMeta(func(m *gossip.Meta) { m.CA = tag }); err != nil {
		a.logger.Warn("gossip the certificate's CA", "err", err)
	}
}

// finishRotation drops the old CA once every Raft member gossips a
// certificate of the new one.
func (a *Agent) finishRotation(ctx context.Context, spec *api.ClusterAuthSpec) {
	tag := caTag(spec.SignerCA)
	for name := range a.raftRoles() {
		m, ok := a.gossip.Member(name)
		if !ok || m.Meta.CA != tag {
			return
		}
	}
	next := *spec
	next.TrustedCAs = spec.TrustedCAs[:1]
	next.CrossCerts = nil
	if err := a.writeClusterAuth(ctx, next); err != nil {
		a.logger.Warn("end the CA rotation", "err", err)
		return
	}
	a.logger.Info("CA rotation done: every member renewed under the new CA; the old CA is no longer trusted")
}

// caTag is what nodes gossip of a CA hash.
func caTag(hash string) string { return hash[:min(len(hash), caTagLen)] }

// issuerHash is the hash of the trusted CA that signed cert, "" if none.
func issuerHash(cert *x509.Certificate, trust []*x509.Certificate) string {
	for _, c := range trust {
		if cert.CheckSignatureFrom(c) == nil {
			return pki.CertHash(c.Raw)
		}
	}
	return ""
}

// callPeer calls another agent's API under mutual TLS and decodes its
// JSON answer into out (if not nil).
func (a *Agent) callPeer(ctx context.Context, node, method, path string, body []byte, out any) error {
	addr, ok := a.apiAddrOf(node)
	if !ok {
		return fmt.Errorf("%s: no known address", node)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "https://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	res, err := a.peerClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", node, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", node, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", node, propose.ErrorMessage(b, res.Status))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// saveNodeCert replaces the node certificate and key so that a crash at
// any point leaves a pair that belongs together: the certificate goes to
// node.crt.next, then the key replaces node.key, then node.crt.next
// replaces node.crt (loadIdentity finishes an interrupted replacement).
func saveNodeCert(dir string, certPEM, keyPEM []byte) error {
	next := filepath.Join(dir, fileNodeCert+".next")
	if err := writeFileAtomic(next, certPEM, 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, fileNodeKey), keyPEM, 0o600); err != nil {
		return err
	}
	if err := os.Rename(next, filepath.Join(dir, fileNodeCert)); err != nil {
		return fmt.Errorf("replace node certificate: %w", err)
	}
	return syncDir(dir)
}
