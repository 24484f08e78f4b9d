package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

func newPortForwardCmd(g *globals) *cobra.Command {
	var addrs []string
	cmd := &cobra.Command{
		Use:   "port-forward POD|TYPE/NAME [LOCAL:]REMOTE [...]",
		Short: "Forward local ports to a pod's ports, through whichever node runs it",
		Long: `Forward local ports to a pod's ports, as kubectl port-forward does.

TYPE/NAME is pod/NAME, svc/NAME (a port of the service, carried to its
targetPort on one of its pods) or a workload (deploy/NAME, sts/NAME...),
of which one running pod is chosen. Each port is REMOTE (the same local
port), LOCAL:REMOTE, or :REMOTE (a free local port); REMOTE may name a
container port (or a service port). Each local connection is carried to
the pod through the API; the command runs until interrupted.`,
		Example: `  shoal port-forward pod/web-0 8080:80
  shoal port-forward svc/web :80 --address 0.0.0.0`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			specs, err := parsePortSpecs(args[1:])
			if err != nil {
				return err
			}
			hosts, err := listenHosts(addrs)
			if err != nil {
				return err
			}
			c, err := g.connect()
			if err != nil {
				return err
			}
			ctx, cancel := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer cancel()
			ns := g.objectNamespace(true)
			pod, svc, err := forwardTarget(ctx, c, ns, args[0])
			if err != nil {
				return err
			}
			if pod.Status.Phase != api.PodRunning {
				return fmt.Errorf("pod %s is %s, not Running: nothing to forward to", pod.Name, phaseOf(pod))
			}
			ports, err := resolveForwardPorts(pod, svc, specs)
			if err != nil {
				return err
			}
			f := &forwarder{c: c, ns: ns, pod: pod.Name, uid: pod.UID, out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr()}
			return f.run(ctx, hosts, ports)
		},
	}
	cmd.Flags().StringSliceVar(&addrs, "address", []string{"localhost"}, "addresses to listen on (comma-separated): localhost (127.0.0.1 and ::1) or IP addresses")
	addNamespaceFlags(cmd, g)
	return cmd
}

// portSpec is one [LOCAL:]REMOTE argument.
type portSpec struct {
	// local is the local port; 0 picks a free one.
	local int
	// localSet is false when only REMOTE was given: the local port is
	// the remote one.
	localSet bool
	// remote is a port number or the name of a container (or service)
	// port.
	remote string
}

// forwardPort is a resolved local port and the pod port it goes to.
type forwardPort struct {
	local, remote int
}

// parsePortSpecs reads [LOCAL:]REMOTE arguments.
func parsePortSpecs(args []string) ([]portSpec, error) {
	var specs []portSpec
	for _, a := range args {
		var s portSpec
		local, remote, hasLocal := strings.Cut(a, ":")
		if !hasLocal {
			remote = a
		}
		if remote == "" {
			return nil, fmt.Errorf("port %q: want [LOCAL:]REMOTE, e.g. 8080:80", a)
		}
		s.remote = remote
		if n, err := strconv.Atoi(remote); err == nil && (n < 1 || n > 65535) {
			return nil, fmt.Errorf("port %q: remote port %d is not in 1-65535", a, n)
		} else if err != nil && !validPortName(remote) {
			return nil, fmt.Errorf("port %q: remote port %q is neither a number nor a port name", a, remote)
		}
		if hasLocal {
			s.localSet = true
			if local != "" {
				n, err := strconv.Atoi(local)
				if err != nil || n < 0 || n > 65535 {
					return nil, fmt.Errorf("port %q: local port %q is not a number in 0-65535", a, local)
				}
				s.local = n
			}
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// validPortName reports whether s can be a port name: letters, digits and
// dashes, with a letter.
func validPortName(s string) bool {
	letter := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letter = true
		case r >= '0' && r <= '9' || r == '-':
		default:
			return false
		}
	}
	return letter && len(s) <= 63
}

// resolveForwardPorts turns specs into pod port numbers: through the
// service's ports when svc is set (a service port, by number or name, to
// its targetPort), and container port names through the pod's spec.
func resolveForwardPorts(pod *api.Pod, svc *api.Service, specs []portSpec) ([]forwardPort, error) {
	var out []forwardPort
	seen := map[int]string{}
	for _, s := range specs {
		var fp forwardPort
		var err error
		if svc != nil {
			fp, err = resolveServicePort(pod, svc, s)
		} else {
			fp.remote, err = containerPort(pod, s.remote)
			fp.local = fp.remote
		}
		if err != nil {
			return nil, err
		}
		if s.localSet {
			fp.local = s.local
		}
		if fp.local != 0 {
			if prev, dup := seen[fp.local]; dup {
				return nil, fmt.Errorf("local port %d is given twice (%s and %s)", fp.local, prev, s.remote)
			}
			seen[fp.local] = s.remote
		}
		out = append(out, fp)
	}
	return out, nil
}

// resolveServicePort maps a service port to the pod port it targets; the
// local port is the service port's number.
func resolveServicePort(pod *api.Pod, svc *api.Service, s portSpec) (forwardPort, error) {
	n, numErr := strconv.Atoi(s.remote)
	for _, p := range svc.Spec.Ports {
		if (numErr == nil && int(p.Port) == n) || (numErr != nil && p.Name == s.remote) {
			if p.Protocol != "" && p.Protocol != api.ProtocolTCP {
				return forwardPort{}, fmt.Errorf("service %s port %s is %s: port-forward carries TCP only", svc.Name, s.remote, p.Protocol)
			}
			target := p.TargetPort
			if target.IsZero() {
				target = api.FromInt32(p.Port)
			}
			remote, err := containerPort(pod, target.String())
			if err != nil {
				return forwardPort{}, fmt.Errorf("service %s port %s: %w", svc.Name, s.remote, err)
			}
			return forwardPort{local: int(p.Port), remote: remote}, nil
		}
	}
	var have []string
	for _, p := range svc.Spec.Ports {
		have = append(have, portLabel(p))
	}
	return forwardPort{}, fmt.Errorf("service %s has no port %s (it has %s)", svc.Name, s.remote, strings.Join(have, ", "))
}

func portLabel(p api.ServicePort) string {
	if p.Name != "" {
		return fmt.Sprintf("%d (%s)", p.Port, p.Name)
	}
	return strconv.Itoa(int(p.Port))
}

// containerPort is a port number, or the number of the pod's container
// port with that name.
func containerPort(pod *api.Pod, port string) (int, error) {
	if n, err := strconv.Atoi(port); err == nil {
		return n, nil
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == port {
				if p.Protocol != "" && p.Protocol != api.ProtocolTCP {
					return 0, fmt.Errorf("container port %s of pod %s is %s: port-forward carries TCP only", port, pod.Name, p.Protocol)
				}
				return int(p.ContainerPort), nil
			}
		}
	}
	return 0, fmt.Errorf("pod %s has no container port named %q", pod.Name, port)
}

// forwardTarget resolves POD or TYPE/NAME to the pod to forward to and,
// for svc/NAME, the service whose ports the arguments name.
func forwardTarget(ctx context.Context, c *client.Client, ns, arg string) (*api.Pod, *api.Service, error) {
	kindName, name, ok := strings.Cut(arg, "/")
	if !ok {
		kindName, name = "pod", arg
	}
	if name == "" {
		return nil, nil, fmt.Errorf("%q: want POD or TYPE/NAME", arg)
	}
	kind, err := lookupKind(kindName)
	if err != nil {
		return nil, nil, err
	}
	obj, err := c.Get(ctx, kind.Plural, ns, name)
	if err != nil {
		return nil, nil, err
	}
	var sel *api.LabelSelector
	var svc *api.Service
	switch o := obj.(type) {
	case *api.Pod:
		return o, nil, nil
	case *api.Service:
		if len(o.Spec.Selector) == 0 {
			return nil, nil, fmt.Errorf("service %s has no selector: name a pod instead", name)
		}
		svc, sel = o, api.SelectorFromMap(o.Spec.Selector)
	default:
		if sel, err = podSelectorOf(obj); err != nil {
			return nil, nil, err
		}
	}
	pods, err := listPods(ctx, c, ns, sel.String())
	if err != nil {
		return nil, nil, err
	}
	p := pickPod(pods)
	if p == nil {
		return nil, nil, fmt.Errorf("%s/%s has no pods", strings.ToLower(kind.Name), name)
	}
	return p, svc, nil
}

// phaseOf is a pod's phase, Pending when not reported yet.
func phaseOf(p *api.Pod) string {
	if p.DeletionTimestamp != nil {
		return "Terminating"
	}
	if p.Status.Phase == "" {
		return string(api.PodPending)
	}
	return string(p.Status.Phase)
}

// listenHosts expands --address values: localhost is 127.0.0.1 and ::1.
func listenHosts(addrs []string) ([]string, error) {
	var hosts []string
	for _, a := range addrs {
		a = strings.TrimSpace(a)
		switch {
		case a == "localhost":
			hosts = append(hosts, "127.0.0.1", "::1")
		case net.ParseIP(a) != nil:
			hosts = append(hosts, a)
		default:
			return nil, fmt.Errorf("--address %q: want localhost or an IP address", a)
		}
	}
	if len(hosts) == 0 {
		return nil, errors.New("--address: want at least one address")
	}
	return hosts, nil
}

// forwarder listens on local ports and carries each connection to the pod.
type forwarder struct {
	c           *client.Client
	ns, pod     string
	uid         string // the pod's uid: a new pod of that name is another
	out, errOut io.Writer
	mu          sync.Mutex // serializes out and errOut
}

func (f *forwarder) printf(w io.Writer, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, _ = fmt.Fprintf(w, format, args...)
}

// listener is a local listener and the pod port it forwards to.
type listener struct {
	ln     net.Listener
	remote int
}

// run listens on every host for every port and serves until ctx ends or
// the pod is gone. A host that cannot listen is skipped with a warning
// unless no host can.
func (f *forwarder) run(ctx context.Context, hosts []string, ports []forwardPort) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var lns []listener
	defer func() {
		for _, l := range lns {
			_ = l.ln.Close()
		}
	}()
	for _, p := range ports {
		local := p.local
		opened := 0
		var errs []error
		for _, h := range hosts {
			ln, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(local)))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			// :REMOTE picks a free port once; the other hosts use it too.
			local = ln.Addr().(*net.TCPAddr).Port
			lns = append(lns, listener{ln: ln, remote: p.remote})
			opened++
			f.printf(f.out, "Forwarding from %s -> %d\n", ln.Addr(), p.remote)
		}
		if opened == 0 {
			return fmt.Errorf("cannot listen for port %d: %w", p.remote, errors.Join(errs...))
		}
		for _, err := range errs {
			f.printf(f.errOut, "warning: %v\n", err)
		}
	}
	var wg sync.WaitGroup
	for _, l := range lns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.accept(ctx, cancel, l.ln, l.remote)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.watchPod(ctx, cancel)
	}()
	<-ctx.Done()
	for _, l := range lns {
		_ = l.ln.Close()
	}
	wg.Wait()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// accept serves one listener until it is closed.
func (f *forwarder) accept(ctx context.Context, cancel context.CancelCauseFunc, ln net.Listener, remote int) {
	var wg sync.WaitGroup
	defer wg.Wait()
	local := ln.Addr().(*net.TCPAddr).Port
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		f.printf(f.out, "Handling connection for %d\n", local)
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.c.PortForward(ctx, f.ns, f.pod, remote, conn)
			var refused *client.APIError
			switch {
			case err == nil:
			case ctx.Err() != nil && !errors.As(err, &refused):
				// Interrupted; a refusal that came first is still told.
			case client.IsNotFound(err):
				cancel(fmt.Errorf("lost the pod: %w", err))
			default:
				f.printf(f.errOut, "error forwarding %d -> %d: %v\n", local, remote, err)
			}
		}()
	}
}

// watchPod ends the command when the pod is deleted or stops running, as
// kubectl does: its ports are gone with it. A watch that fails only
// warns; connections then fail one by one instead.
func (f *forwarder) watchPod(ctx context.Context, cancel context.CancelCauseFunc) {
	err := f.c.Watch(ctx, f.ns, []string{"pods"}, func(ev api.WatchEvent) bool {
		if why, gone := podGone(ev, f.pod, f.uid); gone {
			cancel(fmt.Errorf("lost connection to pod %s: %s", f.pod, why))
			return false
		}
		return true
	})
	if err != nil && ctx.Err() == nil {
		f.printf(f.errOut, "warning: cannot watch pod %s: %v\n", f.pod, err)
	}
}

// podGone reports whether a watch event says the pod named name (with
// uid) is gone or no longer running, and why.
func podGone(ev api.WatchEvent, name, uid string) (string, bool) {
	p, ok := ev.Object.(*api.Pod)
	if !ok || p.Name != name {
		return "", false
	}
	switch {
	case ev.Type == "DELETED":
		return "it was deleted", true
	case uid != "" && p.UID != uid:
		return "it was replaced by another pod of that name", true
	case p.DeletionTimestamp != nil:
		return "it is terminating", true
	case p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed:
		return "it has " + strings.ToLower(string(p.Status.Phase)), true
	}
	return "", false
}
