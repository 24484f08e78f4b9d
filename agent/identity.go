package agent

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/pki"
)

// Files under the data dir. Everything secret is mode 0600.
const (
	fileCACert    = "ca.crt"
	fileCAKey     = "ca.key"
	fileNodeCert  = "node.crt"
	fileNodeKey   = "node.key"
	fileToken     = "token"
	fileGossipKey = "gossip.key"
	filePeers     = "peers.json"
	fileSettings  = "settings.json"
	dirRaft       = "raft"
)

// identity is what makes this node a member: the cluster CA (with its key:
// every agent can admit joiners), the node certificate, the join token and
// the gossip encryption key.
type identity struct {
	CA        *pki.CA
	TLS       *pki.NodeTLS
	Token     pki.Token
	GossipKey []byte
}

// TokenPath is where an agent keeps the join token inside dataDir.
func TokenPath(dataDir string) string { return filepath.Join(dataDir, fileToken) }

// ReadToken reads the join token of the agent whose data dir is dataDir.
func ReadToken(dataDir string) (string, error) {
	b, err := os.ReadFile(TokenPath(dataDir))
	if err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// loadIdentity reads the identity from dir; ok is false when dir holds no
// node certificate yet (a new node).
func loadIdentity(dir string) (id *identity, ok bool, err error) {
	read := func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, name))
	}
	certPEM, err := read(fileNodeCert)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read node certificate: %w", err)
	}
	var files = map[string][]byte{}
	for _, name := range []string{fileCACert, fileCAKey, fileNodeKey, fileToken, fileGossipKey} {
		b, err := read(name)
		if err != nil {
			return nil, false, fmt.Errorf("data dir %s is incomplete: %w", dir, err)
		}
		files[name] = b
	}
	ca, err := pki.ParseCA(files[fileCACert], files[fileCAKey])
	if err != nil {
		return nil, false, err
	}
	node, err := pki.NewNodeTLS(ca, certPEM, files[fileNodeKey])
	if err != nil {
		return nil, false, err
	}
	tok, err := pki.ParseToken(string(files[fileToken]))
	if err != nil {
		return nil, false, fmt.Errorf("token file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(files[fileGossipKey])))
	if err != nil {
		return nil, false, fmt.Errorf("gossip key file: %w", err)
	}
	return &identity{CA: ca, TLS: node, Token: tok, GossipKey: key}, true, nil
}

// newClusterIdentity makes everything a brand-new cluster needs: CA, token,
// gossip key and this node's certificate, and writes it to dir.
func newClusterIdentity(dir, name string, ips []net.IP, gossipKey []byte) (*identity, error) {
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		return nil, err
	}
	tok, err := pki.NewToken(ca)
	if err != nil {
		return nil, err
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR(name)
	if err != nil {
		return nil, err
	}
	certPEM, err := ca.Sign(csrPEM, name, ips, time.Now())
	if err != nil {
		return nil, err
	}
	return saveIdentity(dir, ca.CertPEM, ca.KeyPEM, certPEM, keyPEM, tok, gossipKey)
}

// saveIdentity writes the identity files (node.crt last, so a crash midway
// leaves a dir that still counts as new) and returns the identity.
func saveIdentity(dir string, caCert, caKey, nodeCert, nodeKey []byte, tok pki.Token, gossipKey []byte) (*identity, error) {
	ca, err := pki.ParseCA(caCert, caKey)
	if err != nil {
		return nil, err
	}
	if ca.Hash() != tok.CAHash {
		return nil, errors.New("the CA does not match the token's CA hash")
	}
	node, err := pki.NewNodeTLS(ca, nodeCert, nodeKey)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, dataDirMode); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{fileCACert, caCert},
		{fileCAKey, caKey},
		{fileNodeKey, nodeKey},
		{fileToken, []byte(tok.String() + "\n")},
		{fileGossipKey, []byte(base64.StdEncoding.EncodeToString(gossipKey) + "\n")},
		{fileNodeCert, nodeCert},
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data, 0o600); err != nil {
			return nil, err
		}
	}
	return &identity{CA: ca, TLS: node, Token: tok, GossipKey: gossipKey}, nil
}

// loadPeers reads the gossip addresses this node last saw alive. A file
// that does not parse (torn by a crash before writes were atomic, or
// damaged) is only a hint lost: it is logged and ignored, and the agent
// rejoins through Raft's peers or --join.
func loadPeers(dir string, log *slog.Logger) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, filePeers))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read peers: %w", err)
	}
	var peers []string
	if err := json.Unmarshal(b, &peers); err != nil {
		log.Warn("ignoring the peers file, which does not parse; it is rewritten once gossip finds members",
			"path", filepath.Join(dir, filePeers), "err", err)
		return nil, nil
	}
	return peers, nil
}

// savePeers records gossip addresses for rejoining after a restart.
func savePeers(dir string, peers []string) error {
	b, err := json.Marshal(peers)
	if err != nil {
		return fmt.Errorf("encode peers: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, filePeers), b, 0o600)
}
