package ingress

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// getView is a view.View whose Get serves objs (the rest is unused).
type getView struct {
	view.View
	objs map[api.Key]api.Object
}

func (v getView) Get(kind, ns, name string) (api.Object, bool) {
	o, ok := v.objs[api.Key{Kind: kind, Namespace: ns, Name: name}]
	return o, ok
}

func TestViewSecrets(t *testing.T) {
	sec := &api.Secret{TypeMeta: api.TypeMeta{Kind: "Secret"}, ObjectMeta: api.ObjectMeta{Namespace: "web", Name: "tls"}}
	cm := &api.ConfigMap{TypeMeta: api.TypeMeta{Kind: "ConfigMap"}, ObjectMeta: api.ObjectMeta{Namespace: "web", Name: "tls"}}
	s := ViewSecrets{View: getView{objs: map[api.Key]api.Object{
		{Kind: "Secret", Namespace: "web", Name: "tls"}:   sec,
		{Kind: "Secret", Namespace: "web", Name: "wrong"}: cm,
	}}}
	for _, tc := range []struct {
		name string
		key  api.Key
		want *api.Secret
	}{
		{"found", api.Key{Kind: "Secret", Namespace: "web", Name: "tls"}, sec},
		{"other namespace", api.Key{Kind: "Secret", Namespace: "other", Name: "tls"}, nil},
		{"not a secret", api.Key{Kind: "Secret", Namespace: "web", Name: "wrong"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := s.Secret(tc.key)
			if got != tc.want || ok != (tc.want != nil) {
				t.Errorf("got %v, %v, want %v", got, ok, tc.want)
			}
		})
	}
}
