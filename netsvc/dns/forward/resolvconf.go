package forward

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
)

// Where HostUpstreams looks: the host's resolv.conf and, when that names only
// a loopback stub, systemd-resolved's list of the real upstreams.
const (
	HostResolvConf    = "/etc/resolv.conf"
	SystemdResolvConf = "/run/systemd/resolve/resolv.conf"
)

// ParseResolvConf returns the nameserver addresses of a resolv.conf, in
// order. Comments, other keywords (search, domain, options, sortlist) and
// extra fields are ignored as glibc does; a nameserver line without an IP
// address is an error naming its line.
func ParseResolvConf(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexAny(text, "#;"); i >= 0 {
			text = text[:i]
		}
		fields := strings.Fields(text)
		if len(fields) == 0 || fields[0] != "nameserver" {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: nameserver without an address", line)
		}
		a, err := netip.ParseAddr(fields[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: nameserver %q is not an IP address", line, fields[1])
		}
		out = append(out, a.String())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read resolv.conf: %w", err)
	}
	return out, nil
}

// HostUpstreams returns the host's resolvers for Config.Upstreams: those of
// /etc/resolv.conf that are not loopback, or, when it names only loopback
// stubs such as systemd-resolved's 127.0.0.53, those of
// /run/systemd/resolve/resolv.conf (as kubelet does): a loopback address
// means nothing inside a pod's network namespace.
func HostUpstreams() ([]string, error) {
	return hostUpstreams(HostResolvConf, SystemdResolvConf)
}

func hostUpstreams(resolvConf, systemdConf string) ([]string, error) {
	ups, err := readResolvConf(resolvConf)
	if err != nil {
		return nil, err
	}
	if nonLoop := dropLoopback(ups); len(nonLoop) > 0 {
		return nonLoop, nil
	}
	sys, err := readResolvConf(systemdConf)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if nonLoop := dropLoopback(sys); len(nonLoop) > 0 {
		return nonLoop, nil
	}
	return nil, fmt.Errorf("no nameserver but loopback in %s or %s", resolvConf, systemdConf)
}

func readResolvConf(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read nameservers: %w", err)
	}
	defer func() { _ = f.Close() }()
	ups, err := ParseResolvConf(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ups, nil
}

func dropLoopback(ups []string) []string {
	var out []string
	for _, u := range ups {
		if a, err := netip.ParseAddr(u); err == nil && !a.IsLoopback() {
			out = append(out, u)
		}
	}
	return out
}
