package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// maxBody is how much of a response body a probe reads before closing.
const maxBody = 10 << 10

// userAgent is sent unless the probe sets its own.
const userAgent = "shoal-probe/1"

// Probe clients keep no connections alive (a probe every few seconds per
// container would otherwise pin one open each), use no proxy, and never
// follow redirects.
var (
	httpClient  = newProbeClient(nil)
	httpsClient = newProbeClient(&tls.Config{
		// Probes check that the container answers, not who it is;
		// Kubernetes does not verify probe certificates either.
		InsecureSkipVerify: true, //nolint:gosec // see above
	})
)

func newProbeClient(tlsConfig *tls.Config) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:    tlsConfig,
			DisableKeepAlives:  true,
			DisableCompression: true,
			Proxy:              nil,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// checkHTTP succeeds on a status from 200 to 399.
func checkHTTP(ctx context.Context, a *api.HTTPGetAction, t Target, timeout time.Duration) (Result, string) {
	req, client, err := newProbeRequest(ctx, a, t)
	if err != nil {
		return Failure, err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return Failure, fmt.Sprintf("GET %s timed out after %s", req.URL, timeout)
		}
		return Failure, err.Error()
	}
	defer resp.Body.Close()
	// Reading the body lets the server finish its response; its content
	// and any error reading it do not matter.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
	return Success, ""
}

// newProbeRequest builds the GET request of a and picks the client for its
// scheme.
func newProbeRequest(ctx context.Context, a *api.HTTPGetAction, t Target) (*http.Request, *http.Client, error) {
	scheme, client := "http", httpClient
	switch a.Scheme {
	case api.URISchemeHTTP, "":
	case api.URISchemeHTTPS:
		scheme, client = "https", httpsClient
	default:
		return nil, nil, fmt.Errorf("unknown scheme %q", a.Scheme)
	}
	host, err := address(a.Host, a.Port, t)
	if err != nil {
		return nil, nil, err
	}
	path := a.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u, err := url.Parse(path)
	if err != nil {
		return nil, nil, fmt.Errorf("bad path %q: %w", a.Path, err)
	}
	u.Scheme, u.Host = scheme, host
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "*/*")
	custom := map[string]bool{}
	for _, h := range a.HTTPHeaders {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		key := http.CanonicalHeaderKey(h.Name)
		if !custom[key] {
			req.Header.Del(key)
			custom[key] = true
		}
		req.Header.Add(key, h.Value)
	}
	return req, client, nil
}
