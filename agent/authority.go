package agent

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"time"

	"github.com/shoal-dev/shoal/agent/apiserver"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/pki"
)

// authority is the agent as the API's Authority: it signs with the voter
// secrets it holds and rotates credentials as leader.
type authority struct{ a *Agent }

func (au authority) SignNode(csrPEM []byte, name string, ips []net.IP) ([]byte, error) {
	vs := au.a.id.Secrets()
	if vs == nil {
		return nil, apiserver.ErrNoCAKey
	}
	role := pki.RoleNode
	if spec, ok := au.a.clusterAuth(); ok {
		// During a CA rotation only the new CA signs: a voter that has
		// not taken it over yet sends the caller to the leader.
		if spec.SignerCA != vs.Signer.Hash() {
			return nil, apiserver.ErrNoCAKey
		}
		if spec.IsWorker(name) {
			role = pki.RoleWorker
		}
	}
	return vs.Signer.SignRole(csrPEM, name, role, ips, time.Now(), au.a.cfg.CertValidity)
}

// AdmitNode commits whether the node may become a voter before it signs
// its certificate, so the leader never promotes a worker that joined a
// moment ago.
func (au authority) AdmitNode(ctx context.Context, csrPEM []byte, name string, ips []net.IP, voter bool) ([]byte, error) {
	a := au.a
	if a.id.Secrets() == nil {
		return nil, apiserver.ErrNoCAKey
	}
	if err := a.recordWorker(ctx, name, !voter); err != nil {
		return nil, err
	}
	return au.SignNode(csrPEM, name, ips)
}

// recordWorker adds name to (or removes it from) the workers of
// ClusterAuth, retrying on a concurrent write.
func (a *Agent) recordWorker(ctx context.Context, name string, worker bool) error {
	for attempt := 0; ; attempt++ {
		spec, ok := a.clusterAuth()
		if !ok {
			if !worker {
				return nil
			}
			// A cluster a few seconds old: its first leader records the
			// credentials within a second or two.
			if attempt >= 50 {
				return errors.New("the cluster's credentials are not recorded yet; try again shortly")
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		if spec.IsWorker(name) == worker {
			return nil
		}
		next := *spec
		next.Workers = slices.DeleteFunc(slices.Clone(spec.Workers), func(w string) bool { return w == name })
		if worker {
			next.Workers = append(next.Workers, name)
			slices.Sort(next.Workers)
		}
		err := a.writeClusterAuth(ctx, next)
		if err == nil || !errors.Is(err, consensus.ErrConflict) || attempt >= 60 {
			return err
		}
	}
}

func (au authority) TrustBundle() []byte { return pki.EncodeCertificates(au.a.id.TLS.Trust()) }

func (au authority) VoterSecrets() (apiserver.VoterSecrets, error) {
	vs := au.a.id.Secrets()
	if vs == nil {
		return apiserver.VoterSecrets{}, apiserver.ErrNoCAKey
	}
	return apiserver.VoterSecrets{
		SignerCert: string(vs.Signer.CertPEM), SignerKey: string(vs.Signer.KeyPEM),
		JoinToken: vs.Join.String(), WorkerToken: vs.Worker.String(), AdminToken: vs.Admin.String(),
	}, nil
}

func (au authority) JoinToken(worker bool) (string, error) {
	vs := au.a.id.Secrets()
	if vs == nil {
		return "", apiserver.ErrNoCAKey
	}
	if worker {
		return vs.Worker.String(), nil
	}
	return vs.Join.String(), nil
}

// RotateToken makes a new join, worker join or admin secret: the new hash is
// committed first, then the leader keeps the secret; other voters take
// it over from the leader. Members are not touched (they use their
// certificates); the old token is refused on every node once the write
// is applied there.
func (au authority) RotateToken(ctx context.Context, which string) (string, error) {
	a := au.a
	a.credMu.Lock()
	defer a.credMu.Unlock()
	vs, spec, err := a.leaderCredentials()
	if err != nil {
		return "", err
	}
	tok, err := pki.NewSecretToken(vs.Signer.Hash())
	if err != nil {
		return "", err
	}
	next, nspec := *vs, *spec
	switch which {
	case apiserver.TokenAdmin:
		next.Admin, nspec.AdminSecretSHA256 = tok, pki.SecretHash(tok.Secret)
	case apiserver.TokenWorker:
		next.Worker, nspec.WorkerJoinSecretSHA256 = tok, pki.SecretHash(tok.Secret)
	case apiserver.TokenJoin:
		next.Join, nspec.JoinSecretSHA256 = tok, pki.SecretHash(tok.Secret)
	default:
		return "", fmt.Errorf("no token %q: want join, worker or admin", which)
	}
	if err := a.writeClusterAuth(ctx, nspec); err != nil {
		return "", err
	}
	if err := a.adoptVoterSecrets(&next); err != nil {
		return "", fmt.Errorf("the new token is committed but this node could not keep it (rotate again): %w", err)
	}
	return tok.String(), nil
}

// RotateCA starts a CA rotation: a new CA signs from now on, both are
// trusted, and nodes present the new CA cross-signed by the old one. Every
// node renews its certificate under the new CA (see keepCredentials);
// once all have, the leader drops the old CA.
func (au authority) RotateCA(ctx context.Context) (api.CAStatus, error) {
	a := au.a
	a.credMu.Lock()
	defer a.credMu.Unlock()
	vs, spec, err := a.leaderCredentials()
	if err != nil {
		return api.CAStatus{}, err
	}
	if spec.Rotating() {
		return api.CAStatus{}, errors.New("a CA rotation is already under way (see shoal ca status)")
	}
	next, err := pki.NewCA(time.Now())
	if err != nil {
		return api.CAStatus{}, err
	}
	cross, err := vs.Signer.CrossSign(next, time.Now())
	if err != nil {
		return api.CAStatus{}, err
	}
	nvs := *vs
	nvs.Signer = next
	nvs.Join.CAHash, nvs.Worker.CAHash, nvs.Admin.CAHash = next.Hash(), next.Hash(), next.Hash()
	nspec := *spec
	nspec.SignerCA = next.Hash()
	nspec.TrustedCAs = []string{string(next.CertPEM), string(vs.Signer.CertPEM)}
	nspec.CrossCerts = []string{string(cross)}
	if err := a.writeClusterAuth(ctx, nspec); err != nil {
		return api.CAStatus{}, err
	}
	if err := a.adoptVoterSecrets(&nvs); err != nil {
		return api.CAStatus{}, fmt.Errorf("the new CA is committed but this node could not keep its key: %w", err)
	}
	st, err := au.CAStatus()
	st.JoinToken, st.WorkerToken, st.AdminToken = nvs.Join.String(), nvs.Worker.String(), nvs.Admin.String()
	return st, err
}

func (au authority) CAStatus() (api.CAStatus, error) {
	a := au.a
	spec, ok := a.clusterAuth()
	if !ok {
		return api.CAStatus{}, errors.New("the cluster's credentials are not recorded yet; try again shortly")
	}
	st := api.CAStatus{Signer: spec.SignerCA, Rotating: spec.Rotating(), Nodes: map[string]string{}}
	for _, p := range spec.TrustedCAs {
		certs, err := pki.ParseCertificates([]byte(p))
		if err != nil {
			return st, err
		}
		st.Trusted = append(st.Trusted, pki.CertHash(certs[0].Raw))
	}
	for name := range a.raftRoles() {
		st.Nodes[name] = ""
		if m, ok := a.gossip.Member(name); ok {
			st.Nodes[name] = m.Meta.CA
		}
	}
	return st, nil
}

// leaderCredentials are the voter secrets and ClusterAuth a rotation
// starts from; leader only.
func (a *Agent) leaderCredentials() (*voterSecrets, *api.ClusterAuthSpec, error) {
	if !a.raft.IsLeader() {
		return nil, nil, consensus.ErrNotLeader
	}
	vs := a.id.Secrets()
	spec, ok := a.clusterAuth()
	if vs == nil || !ok || !secretsMatch(vs, spec) {
		return nil, nil, errors.New("this leader does not hold the cluster's current secrets yet; try again shortly")
	}
	return vs, spec, nil
}

// writeClusterAuth commits spec as the ClusterAuth, guarded by the
// resourceVersion of the one it replaces.
func (a *Agent) writeClusterAuth(ctx context.Context, spec api.ClusterAuthSpec) error {
	obj, err := api.New("ClusterAuth")
	if err != nil {
		panic(err) // registered in api
	}
	ca := obj.(*api.ClusterAuth)
	ca.Name, ca.ResourceVersion, ca.Spec = api.ClusterAuthName, "0", spec
	if cur, ok := a.store.Get("ClusterAuth", "", api.ClusterAuthName); ok {
		ca.ResourceVersion = cur.GetObjectMeta().ResourceVersion
	}
	_, err = a.proposer.Propose(ctx, consensus.Put{Objects: []api.Object{ca}, Mode: consensus.ModeReplace, Time: time.Now()})
	if err != nil {
		return fmt.Errorf("commit the cluster's credentials: %w", err)
	}
	return nil
}

// secretsMatch reports whether vs are the secrets spec describes.
func secretsMatch(vs *voterSecrets, spec *api.ClusterAuthSpec) bool {
	return vs.Signer.Hash() == spec.SignerCA &&
		pki.SecretHashMatches(spec.JoinSecretSHA256, vs.Join.Secret) &&
		pki.SecretHashMatches(spec.WorkerJoinSecretSHA256, vs.Worker.Secret) &&
		pki.SecretHashMatches(spec.AdminSecretSHA256, vs.Admin.Secret)
}

// adoptVoterSecrets writes vs to the data dir and uses them.
func (a *Agent) adoptVoterSecrets(vs *voterSecrets) error {
	if err := saveVoterSecrets(a.cfg.DataDir, vs); err != nil {
		return err
	}
	a.id.secrets.Store(vs)
	return nil
}

// trustedCerts parses the CA and cross certificates of spec.
func trustedCerts(spec *api.ClusterAuthSpec) (trust, cross []*x509.Certificate, err error) {
	for _, group := range []struct {
		pems []string
		into *[]*x509.Certificate
	}{{spec.TrustedCAs, &trust}, {spec.CrossCerts, &cross}} {
		for _, p := range group.pems {
			certs, err := pki.ParseCertificates([]byte(p))
			if err != nil {
				return nil, nil, fmt.Errorf("cluster credentials: %w", err)
			}
			*group.into = append(*group.into, certs...)
		}
	}
	return trust, cross, nil
}

// hashes lists the certificates' hashes, sorted.
func hashes(certs []*x509.Certificate) []string {
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = pki.CertHash(c.Raw)
	}
	sort.Strings(out)
	return out
}
