package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/pki"
)

// joinRequest is what a new node sends, only after it has pinned the
// cluster CA through the token's hash.
type joinRequest struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
	// CSR is the node's PEM certificate request; its key never leaves the
	// node.
	CSR string `json:"csr"`
	// Addr is the IP the node advertises, put in its certificate.
	Addr string `json:"addr"`
}

// joinResponse admits a node: its certificate, the cluster CA and gossip
// key, and gossip addresses of members to join through.
type joinResponse struct {
	CACert    string   `json:"caCert"`
	CAKey     string   `json:"caKey"`
	NodeCert  string   `json:"nodeCert"`
	GossipKey []byte   `json:"gossipKey"`
	Peers     []string `json:"peers"`
	// Settings are the cluster-wide settings, when the answering agent's
	// replica has them, so a joiner with a conflicting flag stops before
	// it joins.
	Settings *api.ClusterConfigSpec `json:"settings,omitempty"`
}

// ErrJoinRefused is returned when the cluster refuses the join.
var ErrJoinRefused = errors.New("join refused")

// joinCluster asks the agent at target (HOST[:PORT] of its API) to admit
// this node, checking the cluster's CA against the token before sending
// anything secret. It returns the identity files to write.
func joinCluster(ctx context.Context, target string, tok pki.Token, name, addr string) (resp *joinResponse, nodeKey []byte, err error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		host, port = target, strconv.Itoa(DefaultAPIPort)
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR(name)
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(joinRequest{Name: name, Secret: tok.Secret, CSR: string(csrPEM), Addr: addr})
	if err != nil {
		return nil, nil, fmt.Errorf("encode join request: %w", err)
	}
	client := &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{TLSClientConfig: pki.PinnedClientConfig(tok.CAHash)},
	}
	url := "https://" + net.JoinHostPort(host, port) + "/v1/join"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("join %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("join %s: %w", target, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("join %s: read response: %w", target, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("%w by %s: %s", ErrJoinRefused, target, propose.ErrorMessage(b, res.Status))
	}
	var jr joinResponse
	if err := json.Unmarshal(b, &jr); err != nil {
		return nil, nil, fmt.Errorf("join %s: decode response: %w", target, err)
	}
	return &jr, keyPEM, nil
}
