package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/containerd/containerd/v2/core/remotes"
	"github.com/containerd/containerd/v2/core/remotes/docker"
)

// PullCredentials are registry credentials for one pull, by registry
// host: a pod's imagePullSecrets. They come before the node's registry
// config (--registry-config); the zero value adds none.
type PullCredentials struct {
	hosts map[string]credential
}

// Hosts returns the registry hosts c has credentials for, sorted.
func (c PullCredentials) Hosts() []string { return slices.Sorted(maps.Keys(c.hosts)) }

// ParseDockerConfigJSON reads the credentials of a
// kubernetes.io/dockerconfigjson Secret's ".dockerconfigjson" (a docker
// config.json, with "auths").
func ParseDockerConfigJSON(data []byte) (PullCredentials, error) {
	hosts, err := parseRegistryConfig(data)
	if err != nil {
		return PullCredentials{}, err
	}
	return PullCredentials{hosts: hosts}, nil
}

// ParseDockerCfg reads the credentials of a legacy kubernetes.io/dockercfg
// Secret's ".dockercfg": the "auths" map of a config.json on its own.
func ParseDockerCfg(data []byte) (PullCredentials, error) {
	var auths map[string]json.RawMessage
	if err := json.Unmarshal(data, &auths); err != nil {
		return PullCredentials{}, fmt.Errorf("parse: %w", err)
	}
	wrapped, err := json.Marshal(map[string]any{"auths": auths})
	if err != nil {
		return PullCredentials{}, err
	}
	return ParseDockerConfigJSON(wrapped)
}

// Add adds o's credentials for the hosts c has none for (the first
// secret to name a host wins).
func (c *PullCredentials) Add(o PullCredentials) {
	if c.hosts == nil {
		c.hosts = map[string]credential{}
	}
	for h, cr := range o.hosts {
		if _, ok := c.hosts[h]; !ok {
			c.hosts[h] = cr
		}
	}
}

// PullImageWith is PullImage with creds tried before the node's registry
// config.
func (r *Runtime) PullImageWith(ctx context.Context, ref string, creds PullCredentials, progress func(done, total int64)) (ImageInfo, error) {
	return r.pullImage(ctx, ref, r.resolverWith(creds), progress)
}

// resolverWith is the resolver with creds before the node's credentials.
func (r *Runtime) resolverWith(creds PullCredentials) remotes.Resolver {
	if len(creds.hosts) == 0 {
		return r.resolver()
	}
	insecure := func(host string) (bool, error) {
		return slices.Contains(r.cfg.InsecureRegistries, host), nil
	}
	lookup := func(host string) (string, string, error) {
		if c, ok := creds.hosts[normalizeAuthHost(host)]; ok {
			return c.Username, c.Secret, nil
		}
		return r.auth.credentials(host)
	}
	authorizer := docker.NewDockerAuthorizer(docker.WithAuthCreds(lookup))
	return docker.NewResolver(docker.ResolverOptions{
		Hosts: docker.ConfigureDefaultRegistries(docker.WithPlainHTTP(insecure), docker.WithAuthorizer(authorizer)),
	})
}
