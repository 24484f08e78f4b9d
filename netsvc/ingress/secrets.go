package ingress

import (
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// ViewSecrets serves the TLS Secrets from the agent's read view.
type ViewSecrets struct{ View view.View }

var _ Secrets = ViewSecrets{}

// Secret returns the Secret named by key's namespace and name.
func (s ViewSecrets) Secret(key api.Key) (*api.Secret, bool) {
	o, ok := s.View.Get("Secret", key.Namespace, key.Name)
	if !ok {
		return nil, false
	}
	sec, ok := o.(*api.Secret)
	return sec, ok
}
