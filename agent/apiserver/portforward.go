package apiserver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/stream"
)

// portForwardDialTimeout bounds connecting to the pod's port.
const portForwardDialTimeout = 10 * time.Second

// podPortForward serves POST /v1/pods/{name}/portforward?port=N: one TCP
// connection to the pod's port N, carried over the upgraded request (see
// stream.PortForwardUpgrade). The node that runs the pod dials pod IP:N;
// any other node passes the request there. The connection to the pod is
// made before the upgrade, so a closed port is an HTTP error.
func (s *Server) podPortForward(w http.ResponseWriter, r *http.Request) {
	port, err := parsePort(r.URL.Query().Get("port"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if r.Header.Get("Upgrade") != stream.PortForwardUpgrade {
		writeError(w, http.StatusBadRequest, fmt.Errorf("port-forward needs 'Upgrade: %s'", stream.PortForwardUpgrade))
		return
	}
	pod, ok := s.findPod(w, r)
	if !ok {
		return
	}
	release, err := s.forwards.acquire(clientID(r))
	if err != nil {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusTooManyRequests, err)
		return
	}
	defer release()
	if !s.podIsHere(w, r, pod) {
		return
	}
	addr, err := podAddr(pod, port)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	d := net.Dialer{Timeout: portForwardDialTimeout}
	backend, err := d.DialContext(r.Context(), "tcp", addr)
	if err != nil {
		writeError(w, http.StatusBadGateway, fmt.Errorf("pod %s port %d: %w", pod.Name, port, err))
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		_ = backend.Close()
		writeError(w, http.StatusInternalServerError, fmt.Errorf("connection cannot be upgraded: %w", err))
		return
	}
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", stream.PortForwardUpgrade)
	if err := buf.Flush(); err != nil {
		_ = backend.Close()
		_ = conn.Close()
		return
	}
	if err := stream.Pipe(r.Context(), conn, buf.Reader, backend); err != nil {
		s.log.Debug("port-forward", "pod", pod.Namespace+"/"+pod.Name, "port", port, "err", err)
	}
}

// parsePort reads a port number, 1-65535.
func parsePort(v string) (int, error) {
	if v == "" {
		return 0, errors.New("port-forward needs ?port=N")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q: want a number from 1 to 65535", v)
	}
	return n, nil
}

// podAddr is the address of port on a running pod's IP.
func podAddr(p *api.Pod, port int) (string, error) {
	if p.DeletionTimestamp != nil {
		return "", fmt.Errorf("pod %s is terminating", p.Name)
	}
	if p.Status.Phase != api.PodRunning || p.Status.PodIP == "" {
		phase := string(p.Status.Phase)
		if phase == "" {
			phase = "Pending"
		}
		return "", fmt.Errorf("pod %s is %s, not Running: nothing to forward to", p.Name, phase)
	}
	return net.JoinHostPort(p.Status.PodIP, strconv.Itoa(port)), nil
}
