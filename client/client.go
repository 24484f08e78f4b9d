package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/pki"
)

// DefaultServer is where clients look for the API when not told.
const DefaultServer = "https://127.0.0.1:7948"

// Client talks to one agent's API.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// APIError is an error answer from the API.
type APIError struct {
	StatusCode int
	Message    string
}

func (e *APIError) Error() string { return e.Message }

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound
}

// New returns a client for the API at server ("https://HOST:PORT", or
// HOST[:PORT]) authenticating with token. The server must present a
// certificate under the CA the token pins.
func New(server, token string) (*Client, error) {
	tok, err := pki.ParseToken(token)
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	if !strings.Contains(server, "://") {
		server = "https://" + server
	}
	u, err := url.Parse(server)
	if err != nil {
		return nil, fmt.Errorf("server %q: %w", server, err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("server %q: the API speaks https only", server)
	}
	if u.Port() == "" {
		u.Host += ":7948"
	}
	return &Client{
		base:  u,
		token: tok.String(),
		http: &http.Client{Transport: &http.Transport{
			TLSClientConfig:     pki.PinnedClientConfig(tok.CAHash),
			MaxIdleConnsPerHost: 64,
		}},
	}, nil
}

// CloseIdleConnections closes the client's idle keep-alive connections.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// do sends a request and decodes a JSON answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	res, err := c.send(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	return decodeAnswer(res, out)
}

// decodeAnswer reads a JSON answer into out (if not nil), or the API's
// error.
func decodeAnswer(res *http.Response, out any) error {
	defer res.Body.Close()
	method, path := res.Request.Method, res.Request.URL.Path
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if res.StatusCode/100 != 2 {
		return apiError(res.StatusCode, res.Status, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

func (c *Client) send(ctx context.Context, method, path string, query url.Values, body []byte) (*http.Response, error) {
	u := *c.base
	u.Path = path
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/yaml")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the Shoal API at %s: %w", c.base.Host, err)
	}
	return res, nil
}

func apiError(code int, status string, body []byte) error {
	var e struct {
		Error string `json:"error"`
	}
	msg := status
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	return &APIError{StatusCode: code, Message: msg}
}

// Apply applies a manifest (YAML or JSON, one or more objects): all of it
// or, on any error, nothing.
func (c *Client) Apply(ctx context.Context, manifest []byte) ([]api.AppliedObject, error) {
	return c.ApplyIn(ctx, manifest, "")
}

// ApplyIn is Apply with the objects that name no namespace put in
// namespace, as kubectl apply --namespace does; an object naming another
// namespace is refused. An empty namespace is Apply.
func (c *Client) ApplyIn(ctx context.Context, manifest []byte, namespace string) ([]api.AppliedObject, error) {
	var out struct {
		Items []api.AppliedObject `json:"items"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/apply", nsQuery(namespace), manifest, &out)
	return out.Items, err
}

// DeleteManifest deletes the objects a manifest names (pods gracefully).
func (c *Client) DeleteManifest(ctx context.Context, manifest []byte) ([]api.AppliedObject, error) {
	return c.DeleteManifestWith(ctx, manifest, "", DeleteOptions{})
}

// Delete deletes one object (a pod gracefully, see DeleteWith).
func (c *Client) Delete(ctx context.Context, resource, namespace, name string) error {
	return c.DeleteWith(ctx, resource, namespace, name, DeleteOptions{})
}

// List lists objects of a resource; namespace "" means all namespaces.
// selector is a label selector ("app=web,tier!=db").
func (c *Client) List(ctx context.Context, resource, namespace, selector string) ([]api.Object, error) {
	q := nsQuery(namespace)
	if selector != "" {
		q.Set("selector", selector)
	}
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/"+url.PathEscape(resource), q, nil, &out); err != nil {
		return nil, err
	}
	objs := make([]api.Object, 0, len(out.Items))
	for _, raw := range out.Items {
		obj, err := api.DecodeObject(raw, api.DecodeOptions{Stored: true})
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

// Get reads one object.
func (c *Client) Get(ctx context.Context, resource, namespace, name string) (api.Object, error) {
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodGet, "/v1/"+url.PathEscape(resource)+"/"+url.PathEscape(name), nsQuery(namespace), nil, &raw); err != nil {
		return nil, err
	}
	return api.DecodeObject(raw, api.DecodeOptions{Stored: true})
}

// Status reports members, their health and Raft roles.
func (c *Client) Status(ctx context.Context) (api.Status, error) {
	var st api.Status
	err := c.do(ctx, http.MethodGet, "/v1/status", nil, nil, &st)
	return st, err
}

// Leave makes the agent the client talks to leave the cluster and stop.
func (c *Client) Leave(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/leave", nil, nil, nil)
}

// Watch streams events for the given kinds (none = all) in namespace (""
// = all) to fn until ctx ends, fn returns false, or the server ends the
// stream.
func (c *Client) Watch(ctx context.Context, namespace string, kinds []string, fn func(api.WatchEvent) bool) error {
	q := nsQuery(namespace)
	for _, k := range kinds {
		q.Add("kind", k)
	}
	res, err := c.send(ctx, http.MethodGet, "/v1/watch", q, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
		return apiError(res.StatusCode, res.Status, b)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var raw struct {
			Type   string          `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			return fmt.Errorf("watch: decode event: %w", err)
		}
		obj, err := api.DecodeObject(raw.Object, api.DecodeOptions{Stored: true})
		if err != nil {
			return err
		}
		if !fn(api.WatchEvent{Type: raw.Type, Object: obj}) {
			return nil
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("watch: %w", err)
	}
	return nil
}

// Healthz checks that the API answers.
func (c *Client) Healthz(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := c.send(ctx, http.MethodGet, "/healthz", nil, nil)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz: %s", res.Status)
	}
	return nil
}

func nsQuery(namespace string) url.Values {
	q := url.Values{}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	return q
}
