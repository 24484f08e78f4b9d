package pods

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

func TestPullCredentials(t *testing.T) {
	cfgJSON := func(host string) []byte {
		return []byte(`{"auths": {"` + host + `": {"username": "u", "password": "p"}}}`)
	}
	view := viewOf(map[string]api.Object{
		"Secret/ns/json":         &api.Secret{Type: api.SecretTypeDockerConfigJSON, Data: map[string][]byte{api.DockerConfigJSONKey: cfgJSON("a.example")}},
		"Secret/ns/cfg":          &api.Secret{Type: secretTypeDockerCfg, Data: map[string][]byte{dockerCfgKey: []byte(`{"b.example": {"username": "u", "password": "p"}}`)}},
		"Secret/ns/opaque":       &api.Secret{Type: api.SecretTypeOpaque, Data: map[string][]byte{"x": []byte("y")}},
		"Secret/ns/garbled":      &api.Secret{Type: api.SecretTypeDockerConfigJSON, Data: map[string][]byte{api.DockerConfigJSONKey: []byte("{")}},
		"Secret/other/elsewhere": &api.Secret{Type: api.SecretTypeDockerConfigJSON, Data: map[string][]byte{api.DockerConfigJSONKey: cfgJSON("c.example")}},
	})
	tests := []struct {
		name      string
		refs      []string
		wantHosts []string
		problems  string
	}{
		{"none", nil, nil, ""},
		{"dockerconfigjson and dockercfg", []string{"json", "cfg"}, []string{"a.example", "b.example"}, ""},
		{"missing", []string{"absent", "json"}, []string{"a.example"}, "absent (not found)"},
		{"another namespace's is not seen", []string{"elsewhere"}, nil, "elsewhere (not found)"},
		{"wrong type", []string{"opaque"}, nil, "opaque (type Opaque, want kubernetes.io/dockerconfigjson)"},
		{"garbled", []string{"garbled"}, nil, "garbled (parse:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns"}}
			for _, r := range tt.refs {
				pod.Spec.ImagePullSecrets = append(pod.Spec.ImagePullSecrets, api.LocalObjectReference{Name: r})
			}
			creds, problems := pullCredentials(view, pod)
			if got := creds.Hosts(); !slices.Equal(got, tt.wantHosts) {
				t.Errorf("hosts: got %v, want %v", got, tt.wantHosts)
			}
			got := strings.Join(problems, "; ")
			if (tt.problems == "") != (got == "") || !strings.HasPrefix(got, tt.problems) {
				t.Errorf("problems: got %q, want %q", got, tt.problems)
			}
		})
	}
	if got, want := pullSecretsMessage([]string{"a (not found)"}), "Unable to retrieve some image pull secrets (a (not found)); attempting to pull the image may not succeed."; got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}

// TestManagerPullsWithPullSecrets hands the pod's imagePullSecrets to the
// runtime's pull.
func TestManagerPullsWithPullSecrets(t *testing.T) {
	h := newHarness(t)
	sec, _ := api.New("Secret")
	s := sec.(*api.Secret)
	s.Name, s.Namespace, s.Type = "regcred", "default", api.SecretTypeDockerConfigJSON
	s.Data = map[string][]byte{api.DockerConfigJSONKey: []byte(`{"auths": {"reg.example": {"username": "u", "password": "p"}}}`)}
	if err := h.c.put(t, consensus.ModeApply, s); err != nil {
		t.Fatal(err)
	}
	const image = "reg.example/app:latest"
	h.addPod("private", func(p *api.Pod) {
		p.Spec.Containers[0].Image = image
		p.Spec.ImagePullSecrets = []api.LocalObjectReference{{Name: "regcred"}}
	})
	h.waitStatus("private", running)
	h.eventually("pull with the secret's credentials", func() error {
		h.rt.mu.Lock()
		defer h.rt.mu.Unlock()
		if got := h.rt.pullHosts[image]; !slices.Equal(got, []string{"reg.example"}) {
			return fmt.Errorf("credentials for %v, want reg.example", got)
		}
		return nil
	})
}
