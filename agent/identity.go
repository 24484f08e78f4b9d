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
	"sync/atomic"
	"time"

	"github.com/shoal-dev/shoal/pki"
)

// Files under the data dir. Everything secret is mode 0600.
const (
	// fileCACert is the bundle of CA certificates the node trusts.
	fileCACert = "ca.crt"
	// fileSignerCert and fileCAKey are the signing CA: voters only.
	fileSignerCert = "signer.crt"
	fileCAKey      = "ca.key"
	fileNodeCert   = "node.crt"
	fileNodeKey    = "node.key"
	// fileToken and fileAdminToken are the join and admin tokens: voters
	// only.
	fileToken       = "token"
	fileWorkerToken = "worker.token"
	fileAdminToken  = "admin.token"
	fileGossipKey   = "gossip.key"
	filePeers       = "peers.json"
	fileSettings    = "settings.json"
	dirRaft         = "raft"
)

// identity is what makes this node a member: its certificate and the CAs
// it trusts, the gossip encryption key, and on voters the voter secrets.
type identity struct {
	TLS       *pki.NodeTLS
	GossipKey []byte
	// secrets are the voter secrets, nil on a node that holds none.
	secrets atomic.Pointer[voterSecrets]
}

// voterSecrets are what only Raft voters hold: the signing CA with its
// key, the join tokens and the admin token.
type voterSecrets struct {
	Signer *pki.CA
	Join   pki.Token
	Worker pki.Token
	Admin  pki.Token
}

// Secrets returns the voter secrets, or nil.
func (id *identity) Secrets() *voterSecrets { return id.secrets.Load() }

// TokenPath is where an agent keeps the join token inside dataDir.
func TokenPath(dataDir string) string { return filepath.Join(dataDir, fileToken) }

// ReadToken reads the join token of the agent whose data dir is dataDir
// (voters only hold one).
func ReadToken(dataDir string) (string, error) { return readTokenFile(TokenPath(dataDir)) }

// ReadWorkerToken reads the worker join token of the agent whose data dir
// is dataDir (voters only hold one).
func ReadWorkerToken(dataDir string) (string, error) {
	return readTokenFile(filepath.Join(dataDir, fileWorkerToken))
}

// ReadAdminToken reads the admin token of the agent whose data dir is
// dataDir (voters only hold one).
func ReadAdminToken(dataDir string) (string, error) {
	return readTokenFile(filepath.Join(dataDir, fileAdminToken))
}

func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
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
	for _, name := range []string{fileCACert, fileNodeKey, fileGossipKey} {
		b, err := read(name)
		if err != nil {
			return nil, false, fmt.Errorf("data dir %s is incomplete: %w", dir, err)
		}
		files[name] = b
	}
	trust, err := pki.ParseCertificates(files[fileCACert])
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", fileCACert, err)
	}
	node, err := pki.NewNodeTLSTrusting(trust, nil, certPEM, files[fileNodeKey])
	if err != nil {
		// A renewal interrupted between the key and the certificate
		// (saveNodeCert) left the new certificate in node.crt.next.
		next, rerr := read(fileNodeCert + ".next")
		if rerr != nil {
			return nil, false, err
		}
		if node, err = pki.NewNodeTLSTrusting(trust, nil, next, files[fileNodeKey]); err != nil {
			return nil, false, err
		}
		if err := os.Rename(filepath.Join(dir, fileNodeCert+".next"), filepath.Join(dir, fileNodeCert)); err != nil {
			return nil, false, fmt.Errorf("finish a renewal: %w", err)
		}
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(files[fileGossipKey])))
	if err != nil {
		return nil, false, fmt.Errorf("gossip key file: %w", err)
	}
	id = &identity{TLS: node, GossipKey: key}
	vs, err := loadVoterSecrets(dir, files[fileCACert])
	if err != nil {
		return nil, false, err
	}
	id.secrets.Store(vs)
	return id, true, nil
}

// loadVoterSecrets reads the voter secrets from dir, or nil if it holds
// none. A data dir from before signer.crt existed has the signer in
// ca.crt.
func loadVoterSecrets(dir string, bundle []byte) (*voterSecrets, error) {
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	keyPEM, err := read(fileCAKey)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read CA key: %w", err)
	}
	certPEM, err := read(fileSignerCert)
	if errors.Is(err, fs.ErrNotExist) {
		certPEM = bundle
	} else if err != nil {
		return nil, fmt.Errorf("read signer certificate: %w", err)
	}
	signer, err := pki.ParseCA(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	vs := &voterSecrets{Signer: signer}
	for _, t := range []struct {
		name string
		into *pki.Token
	}{{fileToken, &vs.Join}, {fileWorkerToken, &vs.Worker}, {fileAdminToken, &vs.Admin}} {
		s, err := readTokenFile(filepath.Join(dir, t.name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if *t.into, err = pki.ParseToken(s); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return vs, nil
}

// saveVoterSecrets writes the voter secrets to dir.
func saveVoterSecrets(dir string, vs *voterSecrets) error {
	files := []struct {
		name string
		data []byte
	}{
		{fileSignerCert, vs.Signer.CertPEM},
		{fileCAKey, vs.Signer.KeyPEM},
		{fileToken, []byte(vs.Join.String() + "\n")},
		{fileWorkerToken, []byte(vs.Worker.String() + "\n")},
		{fileAdminToken, []byte(vs.Admin.String() + "\n")},
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// removeVoterSecrets deletes the voter secrets from dir.
func removeVoterSecrets(dir string) error {
	for _, name := range []string{fileCAKey, fileSignerCert, fileToken, fileWorkerToken, fileAdminToken} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", name, err)
		}
	}
	return syncDir(dir)
}

// newClusterIdentity makes everything a brand-new cluster needs: CA, join
// and admin tokens, gossip key and this node's certificate, and writes it
// to dir.
func newClusterIdentity(dir, name string, ips []net.IP, gossipKey []byte, validity time.Duration) (*identity, error) {
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		return nil, err
	}
	vs := &voterSecrets{Signer: ca}
	if vs.Join, err = pki.NewSecretToken(ca.Hash()); err != nil {
		return nil, err
	}
	if vs.Worker, err = pki.NewSecretToken(ca.Hash()); err != nil {
		return nil, err
	}
	if vs.Admin, err = pki.NewSecretToken(ca.Hash()); err != nil {
		return nil, err
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR(name)
	if err != nil {
		return nil, err
	}
	certPEM, err := ca.SignFor(csrPEM, name, ips, time.Now(), validity)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, dataDirMode); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := saveVoterSecrets(dir, vs); err != nil {
		return nil, err
	}
	id, err := saveIdentity(dir, ca.CertPEM, certPEM, keyPEM, ca.Hash(), gossipKey)
	if err != nil {
		return nil, err
	}
	id.secrets.Store(vs)
	return id, nil
}

// saveIdentity writes the identity files (node.crt last, so a crash midway
// leaves a dir that still counts as new) and returns the identity. The
// trust bundle must hold the CA the joiner pinned (pinnedCA).
func saveIdentity(dir string, trustPEM, nodeCert, nodeKey []byte, pinnedCA string, gossipKey []byte) (*identity, error) {
	trust, err := pki.ParseCertificates(trustPEM)
	if err != nil {
		return nil, err
	}
	pinned := false
	for _, c := range trust {
		pinned = pinned || pki.CertHash(c.Raw) == pinnedCA
	}
	if !pinned {
		return nil, errors.New("the cluster's CAs do not include the token's CA")
	}
	node, err := pki.NewNodeTLSTrusting(trust, nil, nodeCert, nodeKey)
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
		{fileCACert, trustPEM},
		{fileNodeKey, nodeKey},
		{fileGossipKey, []byte(base64.StdEncoding.EncodeToString(gossipKey) + "\n")},
		{fileNodeCert, nodeCert},
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data, 0o600); err != nil {
			return nil, err
		}
	}
	return &identity{TLS: node, GossipKey: gossipKey}, nil
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
