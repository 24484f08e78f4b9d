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

	"github.com/shoal-dev/shoal/agent/apiserver"
	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/pki"
)

// ErrJoinRefused is returned when the cluster refuses the join.
var ErrJoinRefused = errors.New("join refused")

// joinCluster asks the agent at target (HOST[:PORT] of its API) to admit
// this node, checking the cluster's CA against the token before sending
// anything secret. It returns the identity files to write.
func joinCluster(ctx context.Context, target string, tok pki.Token, name, addr string) (resp *apiserver.JoinResponse, nodeKey []byte, err error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		host, port = target, strconv.Itoa(DefaultAPIPort)
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR(name)
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(apiserver.JoinRequest{Name: name, Secret: tok.Secret, CSR: string(csrPEM), Addr: addr})
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
	var jr apiserver.JoinResponse
	if err := json.Unmarshal(b, &jr); err != nil {
		return nil, nil, fmt.Errorf("join %s: decode response: %w", target, err)
	}
	return &jr, keyPEM, nil
}
