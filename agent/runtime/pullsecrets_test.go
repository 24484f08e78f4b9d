package runtime

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestParsePullSecrets(t *testing.T) {
	auth := base64.StdEncoding.EncodeToString([]byte("alice:pw"))
	tests := []struct {
		name    string
		parse   func([]byte) (PullCredentials, error)
		data    string
		want    []string
		wantErr string
	}{
		{"dockerconfigjson", ParseDockerConfigJSON, `{"auths": {"https://index.docker.io/v1/": {"auth": "` + auth + `"}, "reg.example:5000": {"username": "u", "password": "p"}}}`,
			[]string{"docker.io", "reg.example:5000"}, ""},
		{"dockercfg", ParseDockerCfg, `{"reg.example": {"auth": "` + auth + `"}}`, []string{"reg.example"}, ""},
		{"not JSON", ParseDockerConfigJSON, `{`, nil, "parse"},
		{"bad auth", ParseDockerCfg, `{"reg.example": {"auth": "!!"}}`, nil, "auth is not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.parse([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Hosts(); !slices.Equal(got, tt.want) {
				t.Errorf("hosts: got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("first secret wins", func(t *testing.T) {
		a, _ := ParseDockerCfg([]byte(`{"reg.example": {"username": "a", "password": "1"}}`))
		b, _ := ParseDockerCfg([]byte(`{"reg.example": {"username": "b", "password": "2"}, "other.example": {"username": "c", "password": "3"}}`))
		var all PullCredentials
		all.Add(a)
		all.Add(b)
		if got := all.hosts["reg.example"].Username; got != "a" {
			t.Errorf("reg.example user: got %q, want a (the first secret's)", got)
		}
		if got := all.Hosts(); !slices.Equal(got, []string{"other.example", "reg.example"}) {
			t.Errorf("hosts: got %v, want both", got)
		}
	})
}

// TestPullWithCredentials pulls through a proxy that requires basic auth
// in front of a real registry: refused without credentials or with wrong
// ones, pulled with the pod's.
func TestPullWithCredentials(t *testing.T) {
	requireContainerd(t)
	addr := startRegistry(t)
	bb, _ := buildImages(t)
	img, err := tarball.ImageFromPath(bb, nil)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(addr+"/shoal/busybox:private", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push: %v", err)
	}
	target, _ := url.Parse("http://" + addr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	guard := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u, p, ok := req.BasicAuth(); !ok || u != "alice" || p != "pw" {
			w.Header().Set("WWW-Authenticate", `Basic realm="private"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	defer guard.Close()
	host := strings.TrimPrefix(guard.URL, "http://")
	ref := host + "/shoal/busybox:private"

	r := newTestEnv(t).open(t, true)
	r.cfg.InsecureRegistries = []string{host}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	creds := func(user, pw string) PullCredentials {
		c, err := ParseDockerConfigJSON([]byte(`{"auths": {"` + host + `": {"username": "` + user + `", "password": "` + pw + `"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name  string
		creds PullCredentials
		ok    bool
	}{
		{"no credentials", PullCredentials{}, false},
		{"wrong password", creds("alice", "nope"), false},
		{"the pod's credentials", creds("alice", "pw"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := r.PullImageWith(ctx, ref, tt.creds, nil)
			switch {
			case tt.ok && err != nil:
				t.Fatalf("got %v, want the pull to succeed", err)
			case !tt.ok && err == nil:
				t.Fatalf("pulled %+v, want the registry to refuse", info)
			case tt.ok && info.Ref != ref:
				t.Errorf("pulled %s, want %s", info.Ref, ref)
			}
		})
	}
}
