package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/stream"
)

// LogOptions selects what Logs streams.
type LogOptions struct {
	Container string
	Follow    bool
	Previous  bool
	// Tail is how many lines from the end to start with; -1 for all.
	Tail int
}

// Logs copies a container's output to w; with Follow it keeps streaming
// until ctx ends or the pod goes away.
func (c *Client) Logs(ctx context.Context, namespace, pod string, o LogOptions, w io.Writer) error {
	q := nsQuery(namespace)
	if o.Container != "" {
		q.Set("container", o.Container)
	}
	q.Set("follow", strconv.FormatBool(o.Follow))
	q.Set("previous", strconv.FormatBool(o.Previous))
	q.Set("tail", strconv.Itoa(o.Tail))
	res, err := c.send(ctx, http.MethodGet, "/v1/pods/"+url.PathEscape(pod)+"/log", q, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return apiError(res.StatusCode, res.Status, b)
	}
	_, err = io.Copy(w, res.Body)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// ExecOptions describe a command to run in a container.
type ExecOptions struct {
	Container string
	Command   []string
	Tty       bool
	// Stdin, when set, is sent to the command; its end closes the
	// command's input.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Resize carries terminal sizes (columns, rows) for Tty sessions.
	Resize <-chan [2]uint16
}

// Exec runs a command in a container of a pod, on whichever node runs it,
// and returns its exit code.
func (c *Client) Exec(ctx context.Context, namespace, pod string, o ExecOptions) (int, error) {
	q := nsQuery(namespace)
	if o.Container != "" {
		q.Set("container", o.Container)
	}
	for _, a := range o.Command {
		q.Add("command", a)
	}
	q.Set("tty", strconv.FormatBool(o.Tty))
	q.Set("stdin", strconv.FormatBool(o.Stdin != nil))
	conn, br, err := c.upgrade(ctx, "/v1/pods/"+url.PathEscape(pod)+"/exec", q, stream.ExecUpgrade)
	if err != nil {
		return -1, err
	}
	defer func() { _ = conn.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	var mu sync.Mutex
	if o.Stdin != nil {
		go func() {
			_, _ = io.Copy(stream.NewFrameWriter(conn, stream.FrameStdin, &mu), o.Stdin)
			mu.Lock()
			_ = stream.WriteFrame(conn, stream.FrameStdinClose, nil)
			mu.Unlock()
		}()
	}
	if o.Resize != nil {
		go func() {
			for sz := range o.Resize {
				var b [4]byte
				binary.BigEndian.PutUint16(b[:], sz[0])
				binary.BigEndian.PutUint16(b[2:], sz[1])
				mu.Lock()
				err := stream.WriteFrame(conn, stream.FrameResize, b[:])
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	stdout, stderr := o.Stdout, o.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	for {
		typ, p, err := stream.ReadFrame(br)
		if err != nil {
			if ctx.Err() != nil {
				return -1, ctx.Err()
			}
			return -1, fmt.Errorf("exec stream ended early: %w", err)
		}
		switch typ {
		case stream.FrameStdout:
			_, _ = stdout.Write(p)
		case stream.FrameStderr:
			_, _ = stderr.Write(p)
		case stream.FrameExit:
			if len(p) != 4 {
				return -1, errors.New("exec: malformed exit frame")
			}
			return int(int32(binary.BigEndian.Uint32(p))), nil
		case stream.FrameError:
			return -1, fmt.Errorf("exec: %s", p)
		}
	}
}

// upgrade opens a TLS connection to the API and switches it to the stream
// protocol proto (stream.ExecUpgrade, stream.PortForwardUpgrade).
func (c *Client) upgrade(ctx context.Context, path string, q url.Values, proto string) (net.Conn, *bufio.Reader, error) {
	tr := c.http.Transport.(*http.Transport)
	d := tls.Dialer{Config: tr.TLSClientConfig.Clone()}
	conn, err := d.DialContext(ctx, "tcp", c.base.Host)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach the Shoal API at %s: %w", c.base.Host, err)
	}
	u := *c.base
	u.Path, u.RawQuery = path, q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), nil)
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", proto)
	if err := req.Write(conn); err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("send %s request: %w", proto, err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, req)
	if err != nil {
		_ = conn.Close()
		return nil, nil, fmt.Errorf("read %s answer: %w", proto, err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		_ = conn.Close()
		return nil, nil, apiError(res.StatusCode, res.Status, b)
	}
	return conn, br, nil
}

// ImportImage sends an image archive (docker-archive or OCI layout tar) to
// a node's containerd: node "" is the node the client talks to.
func (c *Client) ImportImage(ctx context.Context, node string, archive io.Reader) (api.ImageList, error) {
	var out api.ImageList
	q := url.Values{}
	if node != "" {
		q.Set("node", node)
	}
	u := *c.base
	u.Path, u.RawQuery = "/v1/images", q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), archive)
	if err != nil {
		return out, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/x-tar")
	res, err := c.http.Do(req)
	if err != nil {
		return out, fmt.Errorf("cannot reach the Shoal API at %s: %w", c.base.Host, err)
	}
	return out, decodeAnswer(res, &out)
}

// ListImages lists a node's images: node "" is the node the client talks
// to.
func (c *Client) ListImages(ctx context.Context, node string) (api.ImageList, error) {
	var out api.ImageList
	q := url.Values{}
	if node != "" {
		q.Set("node", node)
	}
	err := c.do(ctx, http.MethodGet, "/v1/images", q, nil, &out)
	return out, err
}
