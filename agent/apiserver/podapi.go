package apiserver

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/shoal-dev/shoal/agent/pods"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/stream"
)

// maxImageBody bounds an image upload.
const maxImageBody = 16 << 30

// forwardedHeader marks a request one agent passed to another, so it is
// never passed on again.
const forwardedHeader = "X-Shoal-Forwarded"

// podOnNode finds the pod a logs or exec request names and, when it runs
// on another node, passes the request there. ok is false when the request
// has been answered.
func (s *Server) podOnNode(w http.ResponseWriter, r *http.Request) (pod *api.Pod, c *api.Container, ok bool) {
	pod, ok = s.findPod(w, r)
	if !ok {
		return nil, nil, false
	}
	c, err := pickContainer(pod, r.URL.Query().Get("container"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return nil, nil, false
	}
	if !s.podIsHere(w, r, pod) {
		return nil, nil, false
	}
	return pod, c, true
}

// findPod finds the pod a request's path and ?namespace= name. ok is
// false when the request has been answered.
func (s *Server) findPod(w http.ResponseWriter, r *http.Request) (*api.Pod, bool) {
	ns := r.URL.Query().Get("namespace")
	if ns == "" {
		ns = "default"
	}
	name := r.PathValue("name")
	o, found := s.cfg.View.Get("Pod", ns, name)
	if !found {
		writeError(w, http.StatusNotFound, fmt.Errorf("pod %q not found in namespace %q", name, ns))
		return nil, false
	}
	return o.(*api.Pod), true
}

// podIsHere reports whether pod runs on this node; when it runs on
// another, the request is passed there, and when on none, refused.
func (s *Server) podIsHere(w http.ResponseWriter, r *http.Request, pod *api.Pod) bool {
	node := pod.Spec.NodeName
	if node == "" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("pod %s is not scheduled to a node yet", pod.Name))
		return false
	}
	if node != s.cfg.Node {
		s.forward(w, r, node)
		return false
	}
	return true
}

// pickContainer returns the named container (init containers included),
// or the only one when name is empty.
func pickContainer(p *api.Pod, name string) (*api.Container, error) {
	all := append(append([]api.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...)
	if name == "" {
		if len(p.Spec.Containers) == 1 {
			return &p.Spec.Containers[0], nil
		}
		var names []string
		for _, c := range p.Spec.Containers {
			names = append(names, c.Name)
		}
		return nil, fmt.Errorf("pod %s has %d containers %v: choose one with -c", p.Name, len(names), names)
	}
	for i := range all {
		if all[i].Name == name {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("pod %s has no container %q", p.Name, name)
}

// forward passes the request to node's API under this agent's certificate
// and streams the answer back (including upgraded exec streams).
func (s *Server) forward(w http.ResponseWriter, r *http.Request, node string) {
	if r.Header.Get(forwardedHeader) != "" {
		writeError(w, http.StatusBadGateway, fmt.Errorf("request forwarded to %s, which does not run it", s.cfg.Node))
		return
	}
	m, ok := s.cfg.Cluster.Member(node)
	if !ok || m.Meta.Addr == "" {
		writeError(w, http.StatusBadGateway, fmt.Errorf("node %s is not a known member", node))
		return
	}
	target := &url.URL{Scheme: "https", Host: net.JoinHostPort(m.Meta.Addr, strconv.Itoa(m.Meta.APIPort))}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = target.Host
			pr.Out.Header.Set(forwardedHeader, s.cfg.Node)
		},
		Transport:     s.cfg.PeerTransport,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, http.StatusBadGateway, fmt.Errorf("node %s: %w", node, err))
		},
	}
	proxy.ServeHTTP(w, r)
}

// podLog serves GET /v1/pods/{name}/log: a container's output, from
// whichever node runs the pod.
func (s *Server) podLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tail := -1
	if v := q.Get("tail"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("tail %q: want a number of lines", v))
			return
		}
		tail = n
	}
	follow, previous := q.Get("follow") == "true", q.Get("previous") == "true"
	pod, c, ok := s.podOnNode(w, r)
	if !ok {
		return
	}
	restarts, found := restartCount(pod, c.Name)
	if !found {
		writeError(w, http.StatusBadRequest, fmt.Errorf("container %s of pod %s has not started yet", c.Name, pod.Name))
		return
	}
	if previous {
		if restarts == 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("container %s of pod %s has not restarted: no previous run", c.Name, pod.Name))
			return
		}
		restarts--
		follow = false
	}
	path := pods.LogPath(s.cfg.DataDir, pod.Namespace, pod.Name, pod.UID, c.Name, restarts)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fw := flushWriter{w: w}
	if f, ok := w.(http.Flusher); ok {
		fw.f = f
	}
	if err := runtime.ReadLog(r.Context(), path, tail, follow, fw); err != nil && r.Context().Err() == nil {
		s.log.Debug("read log", "path", path, "err", err)
	}
}

// allStatuses lists a pod's init container statuses, then its container
// statuses.
func allStatuses(p *api.Pod) []api.ContainerStatus {
	return slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses)
}

// restartCount is the run number of the container's current log.
func restartCount(p *api.Pod, name string) (int32, bool) {
	for _, cs := range allStatuses(p) {
		if cs.Name == name && (cs.ContainerID != "" || cs.RestartCount > 0) {
			return cs.RestartCount, true
		}
	}
	return 0, false
}

type flushWriter struct {
	w io.Writer
	f http.Flusher
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if f.f != nil {
		f.f.Flush()
	}
	return n, err
}

// podExec serves POST /v1/pods/{name}/exec: it upgrades the connection to
// a framed stream (see stream.ExecUpgrade) and runs a command in the
// container.
func (s *Server) podExec(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	args := q["command"]
	if len(args) == 0 {
		writeError(w, http.StatusBadRequest, errors.New("exec needs a command"))
		return
	}
	if r.Header.Get("Upgrade") != stream.ExecUpgrade {
		writeError(w, http.StatusBadRequest, fmt.Errorf("exec needs 'Upgrade: %s'", stream.ExecUpgrade))
		return
	}
	pod, c, ok := s.podOnNode(w, r)
	if !ok {
		return
	}
	rt, err := s.cfg.Runtime.ContainerRuntime()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	id := containerIDOf(pod, c.Name)
	if id == "" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("container %s of pod %s is not running", c.Name, pod.Name))
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("connection cannot be upgraded: %w", err))
		return
	}
	defer func() { _ = conn.Close() }()
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", stream.ExecUpgrade)
	if err := buf.Flush(); err != nil {
		return
	}
	s.runExec(r.Context(), rt, id, args, q.Get("tty") == "true", q.Get("stdin") == "true", conn, buf.Reader)
}

// runExec runs the command and pumps frames until it exits.
func (s *Server) runExec(ctx context.Context, rt *runtime.Runtime, id string, args []string, tty, stdin bool, conn net.Conn, in *bufio.Reader) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	cfg := runtime.ExecConfig{
		Args:   args,
		Tty:    tty,
		Stdout: stream.NewFrameWriter(conn, stream.FrameStdout, &mu),
		Stderr: stream.NewFrameWriter(conn, stream.FrameStderr, &mu),
	}
	resize := make(chan [2]uint16, 4)
	cfg.Resize = resize
	pr, pw := io.Pipe()
	// Closing the read side ends a stdin write blocked after the command
	// exited.
	defer func() { _ = pr.Close() }()
	if stdin {
		cfg.Stdin = pr
	}
	// Input goes through a queue so the frame reader keeps reading (and
	// notices the client going away, which ends the exec, and resize
	// frames) while a command is slow to read its input; only a full
	// queue (8 MiB) makes it wait.
	input := make(chan []byte, 256)
	go func() {
		defer func() { _ = pw.Close() }()
		for b := range input {
			if b == nil {
				return // stdin closed
			}
			if _, err := pw.Write(b); err != nil {
				return
			}
		}
	}()
	go func() {
		defer close(input)
		for {
			typ, p, err := stream.ReadFrame(in)
			if err != nil {
				cancel()
				return
			}
			switch typ {
			case stream.FrameStdin:
				if !stdin || len(p) == 0 {
					continue // not asked for: dropped
				}
				select {
				case input <- p:
				case <-ctx.Done():
					return
				}
			case stream.FrameStdinClose:
				select {
				case input <- nil:
				default:
				}
			case stream.FrameResize:
				if len(p) == 4 {
					select {
					case resize <- [2]uint16{binary.BigEndian.Uint16(p), binary.BigEndian.Uint16(p[2:])}:
					default:
					}
				}
			}
		}
	}()
	code, err := rt.Exec(ctx, id, cfg)
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		_ = stream.WriteFrame(conn, stream.FrameError, []byte(err.Error()))
		return
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(int32(code)))
	_ = stream.WriteFrame(conn, stream.FrameExit, b[:])
}

// containerIDOf is the runtime ID of a running container, from the pod's
// reported status.
func containerIDOf(p *api.Pod, name string) string {
	for _, cs := range allStatuses(p) {
		if cs.Name == name && cs.State.Running != nil {
			if id, ok := strings.CutPrefix(cs.ContainerID, "containerd://"); ok {
				return id
			}
		}
	}
	return ""
}

// localRuntime returns this node's runtime for an image request, or
// passes the request to the node ?node= names. ok is false when the
// request has been answered.
func (s *Server) localRuntime(w http.ResponseWriter, r *http.Request) (*runtime.Runtime, bool) {
	if node := r.URL.Query().Get("node"); node != "" && node != s.cfg.Node {
		s.forward(w, r, node)
		return nil, false
	}
	rt, err := s.cfg.Runtime.ContainerRuntime()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return nil, false
	}
	return rt, true
}

// imageImport serves POST /v1/images: a docker-archive or OCI-layout tar
// imported into this node's containerd (or ?node=NAME's).
func (s *Server) imageImport(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.localRuntime(w, r)
	if !ok {
		return
	}
	imgs, err := rt.ImportImages(r.Context(), http.MaxBytesReader(w, r.Body, maxImageBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("import image on node %s: %w", s.cfg.Node, err))
		return
	}
	writeJSON(w, http.StatusOK, imageList(s.cfg.Node, imgs))
}

// imageList serves GET /v1/images: the images of this node (or ?node=).
func (s *Server) imageList(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.localRuntime(w, r)
	if !ok {
		return
	}
	imgs, err := rt.ListImages(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("list images: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, imageList(s.cfg.Node, imgs))
}

func imageList(node string, imgs []runtime.ImageInfo) api.ImageList {
	out := api.ImageList{Node: node, Items: []api.Image{}}
	for _, i := range imgs {
		out.Items = append(out.Items, api.Image{Ref: i.Ref, Digest: i.Digest, Size: i.Size})
	}
	return out
}
