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
	var b []byte
	var res *http.Response
	// The join endpoint is rate-limited per source address: on 429 wait
	// as told (bounded) and try again, a few times.
	for attempt := 1; ; attempt++ {
		res, b, err = postJoin(ctx, client, url, body)
		if err != nil {
			return nil, nil, fmt.Errorf("join %s: %w", target, err)
		}
		if res.StatusCode != http.StatusTooManyRequests || attempt == 5 {
			break
		}
		wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if err != nil || wait < 1 || wait > 30 {
			wait = 5
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(time.Duration(wait) * time.Second):
		}
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

// postJoin sends one join request and reads the answer (at most 1 MiB).
func postJoin(ctx context.Context, client *http.Client, url string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("read response: %w", err)
	}
	return res, b, nil
}
