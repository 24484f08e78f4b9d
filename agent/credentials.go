package agent

import (
	"github.com/shoal-dev/shoal/agent/apiserver"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/pki"
)

// credentials checks the secrets users and joiners present.
func (a *Agent) credentials() apiserver.Credentials { return clusterCredentials{a} }

// clusterCredentials checks secrets against the hashes in the replica's
// ClusterAuth, so a rotation holds on every node as soon as it is
// committed. Before the first leader has written ClusterAuth, a voter
// checks against its own secrets.
type clusterCredentials struct{ a *Agent }

func (c clusterCredentials) Admin(secret string) bool {
	if spec, ok := c.a.clusterAuth(); ok {
		return pki.SecretHashMatches(spec.AdminSecretSHA256, secret)
	}
	vs := c.a.id.Secrets()
	return vs != nil && vs.Admin.Secret != "" && vs.Admin.SecretMatches(secret)
}

func (c clusterCredentials) Join(secret string) (ok, voter bool) {
	if spec, ok := c.a.clusterAuth(); ok {
		if pki.SecretHashMatches(spec.JoinSecretSHA256, secret) {
			return true, true
		}
		return pki.SecretHashMatches(spec.WorkerJoinSecretSHA256, secret), false
	}
	vs := c.a.id.Secrets()
	if vs == nil {
		return false, false
	}
	if vs.Join.SecretMatches(secret) {
		return true, true
	}
	return vs.Worker.Secret != "" && vs.Worker.SecretMatches(secret), false
}

// clusterAuth is the replica's ClusterAuth.
func (a *Agent) clusterAuth() (*api.ClusterAuthSpec, bool) {
	o, ok := a.store.Get("ClusterAuth", "", api.ClusterAuthName)
	if !ok {
		return nil, false
	}
	return &o.(*api.ClusterAuth).Spec, true
}
