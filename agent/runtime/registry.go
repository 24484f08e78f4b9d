package runtime

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// credential is a registry user name and password (or identity token).
type credential struct{ Username, Secret string }

// registryAuth holds credentials per registry host.
type registryAuth struct {
	path  string
	hosts map[string]credential
}

// loadRegistryAuth reads path, or when path is "" the docker config in
// $DOCKER_CONFIG or ~/.docker if there is one.
func loadRegistryAuth(path string) (*registryAuth, error) {
	explicit := path != ""
	if !explicit {
		path = defaultDockerConfig()
	}
	a := &registryAuth{path: path, hosts: map[string]credential{}}
	if path == "" {
		return a, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registry config: %w", err)
	}
	a.hosts, err = parseRegistryConfig(data)
	if err != nil {
		return nil, fmt.Errorf("registry config %s: %w", path, err)
	}
	return a, nil
}

func defaultDockerConfig() string {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".docker", "config.json")
	}
	return ""
}

// dockerConfig is the part of docker's config.json we read.
type dockerConfig struct {
	Auths map[string]struct {
		Auth          string `json:"auth"`
		Username      string `json:"username"`
		Password      string `json:"password"`
		IdentityToken string `json:"identitytoken"`
	} `json:"auths"`
}

// parseRegistryConfig reads the "auths" of a docker config.json: per host,
// "auth" (base64 of user:password) or username and password, or an
// identity token. Keys may be URLs ("https://index.docker.io/v1/").
func parseRegistryConfig(data []byte) (map[string]credential, error) {
	var cfg dockerConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	out := make(map[string]credential, len(cfg.Auths))
	for key, a := range cfg.Auths {
		host := normalizeAuthHost(key)
		if host == "" {
			return nil, fmt.Errorf("auths: empty registry host %q", key)
		}
		c := credential{Username: a.Username, Secret: a.Password}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(a.Auth))
			if err != nil {
				return nil, fmt.Errorf("auths %q: auth is not base64: %w", key, err)
			}
			user, pass, ok := strings.Cut(string(raw), ":")
			if !ok {
				return nil, fmt.Errorf("auths %q: auth is not base64 of user:password", key)
			}
			c = credential{Username: user, Secret: pass}
		}
		if c.Username == "" && c.Secret == "" && a.IdentityToken != "" {
			c.Secret = a.IdentityToken
		}
		if c.Username == "" && c.Secret == "" {
			continue
		}
		out[host] = c
	}
	return out, nil
}

// normalizeAuthHost turns a config key into a registry host as containerd
// names it ("docker.io" for Docker Hub).
func normalizeAuthHost(key string) string {
	h := strings.TrimSpace(key)
	h = strings.TrimPrefix(h, "https://")
	h = strings.TrimPrefix(h, "http://")
	h, _, _ = strings.Cut(h, "/")
	switch h {
	case "index.docker.io", "registry-1.docker.io":
		h = "docker.io"
	}
	return h
}

// credentials answers containerd's authorizer for host.
func (a *registryAuth) credentials(host string) (string, string, error) {
	if c, ok := a.hosts[normalizeAuthHost(host)]; ok {
		return c.Username, c.Secret, nil
	}
	return "", "", nil
}
