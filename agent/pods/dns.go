package pods

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/dns/forward"
)

// ResolvConf is the content of a resolv.conf: nameservers, search domains
// and options ("ndots:5", "edns0"), each in order.
type ResolvConf struct {
	Nameservers []string
	Searches    []string
	Options     []string
}

// String renders r as a resolv.conf file.
func (r ResolvConf) String() string {
	var b strings.Builder
	for _, ns := range r.Nameservers {
		fmt.Fprintf(&b, "nameserver %s\n", ns)
	}
	if len(r.Searches) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(r.Searches, " "))
	}
	if len(r.Options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(r.Options, " "))
	}
	return b.String()
}

// ParseResolvConf reads the nameservers, search domains and options of a
// resolv.conf. As glibc: the last search (or domain) line wins, comments
// and unknown keywords are skipped.
func ParseResolvConf(data []byte) ResolvConf {
	var r ResolvConf
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			r.Nameservers = append(r.Nameservers, f[1])
		case "search", "domain":
			r.Searches = f[1:]
		case "options":
			r.Options = append(r.Options, f[1:]...)
		}
	}
	return r
}

// HostResolvConf is the resolv.conf of dnsPolicy Default: the node's,
// read from path (normally /etc/resolv.conf), with the nameservers the
// agent's DNS forwarder uses: upstreams (--dns-upstream, "IP[:PORT]"; only
// those on port 53, as a resolv.conf cannot name a port) or, with none,
// the host's non-loopback resolvers (forward.HostUpstreams, which looks
// past systemd-resolved's 127.0.0.53 stub). A loopback nameserver means
// nothing inside a pod.
func HostResolvConf(path string, upstreams []string) (ResolvConf, error) {
	var r ResolvConf
	data, err := os.ReadFile(path)
	if err == nil {
		r = ParseResolvConf(data)
	} else if !os.IsNotExist(err) {
		return r, fmt.Errorf("host resolv.conf: %w", err)
	}
	var ns []string
	if len(upstreams) > 0 {
		for _, u := range upstreams {
			if ip, ok := port53(u); ok {
				ns = append(ns, ip)
			}
		}
	} else {
		for _, n := range r.Nameservers {
			if a, err := netip.ParseAddr(n); err == nil && !a.IsLoopback() {
				ns = append(ns, n)
			}
		}
		if len(ns) == 0 && path == forward.HostResolvConf {
			ns, _ = forward.HostUpstreams() // none: the pod gets none either
		}
	}
	r.Nameservers = ns
	return r, nil
}

// port53 returns the address of upstream "IP" or "IP:53".
func port53(upstream string) (string, bool) {
	if a, err := netip.ParseAddr(upstream); err == nil {
		return a.String(), true
	}
	host, port, err := net.SplitHostPort(upstream)
	if err != nil || port != "53" {
		return "", false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "", false
	}
	return a.String(), true
}

// clusterResolvConf is the resolv.conf of dnsPolicy ClusterFirst: the
// node's cluster DNS and the cluster search path.
func clusterResolvConf(ns, dnsIP, domain string) ResolvConf {
	return ResolvConf{
		Nameservers: []string{dnsIP},
		Searches:    []string{ns + ".svc." + domain, "svc." + domain, domain},
		Options:     []string{"ndots:5"},
	}
}

// podResolvConf is the pod's resolv.conf: its DNS policy's (host gives
// the node's, for Default), then its dnsConfig merged in as kubelet does:
// nameservers and search domains appended without duplicates and cut to
// the limits, options replacing those of the same name.
func podResolvConf(pod *api.Pod, dnsIP, domain string, host func() (ResolvConf, error)) (ResolvConf, error) {
	var r ResolvConf
	switch pod.Spec.EffectiveDNSPolicy() {
	case api.DNSClusterFirst:
		r = clusterResolvConf(pod.Namespace, dnsIP, domain)
	case api.DNSDefault:
		h, err := host()
		if err != nil {
			return r, err
		}
		r = h
	case api.DNSNone:
	}
	if c := pod.Spec.DNSConfig; c != nil {
		r.Nameservers = appendNew(r.Nameservers, c.Nameservers)
		r.Searches = appendNew(r.Searches, c.Searches)
		r.Options = mergeOptions(r.Options, c.Options)
	}
	if len(r.Nameservers) > api.MaxDNSNameservers {
		r.Nameservers = r.Nameservers[:api.MaxDNSNameservers]
	}
	if len(r.Searches) > api.MaxDNSSearches {
		r.Searches = r.Searches[:api.MaxDNSSearches]
	}
	for len(r.Searches) > 0 && len(strings.Join(r.Searches, " ")) > api.MaxDNSSearchChars {
		r.Searches = r.Searches[:len(r.Searches)-1]
	}
	return r, nil
}

// appendNew appends the items of add that list lacks.
func appendNew(list, add []string) []string {
	out := slices.Clone(list)
	for _, a := range add {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// mergeOptions gives each option of add (name, or name:value) its place
// in opts: replacing the option of the same name, or appended.
func mergeOptions(opts []string, add []api.PodDNSConfigOption) []string {
	out := slices.Clone(opts)
	for _, o := range add {
		s := o.Name
		if o.Value != nil && *o.Value != "" {
			s += ":" + *o.Value
		}
		i := slices.IndexFunc(out, func(have string) bool {
			name, _, _ := strings.Cut(have, ":")
			return name == o.Name
		})
		if i >= 0 {
			out[i] = s
		} else {
			out = append(out, s)
		}
	}
	return out
}

// podHosts is the pod's /etc/hosts: localhost and the pod's own names,
// or, for a hostNetwork pod, the node's file (nodeHosts); then the pod's
// hostAliases.
func podHosts(pod *api.Pod, podIP, domain string, nodeHosts func() ([]byte, error)) (string, error) {
	var b strings.Builder
	if pod.Spec.HostNetwork {
		data, err := nodeHosts()
		if err != nil {
			return "", fmt.Errorf("node's /etc/hosts: %w", err)
		}
		b.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	} else {
		host := hostname(pod)
		b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
		if podIP != "" {
			names := []string{host}
			if pod.Spec.Subdomain != "" {
				names = append([]string{fmt.Sprintf("%s.%s.%s.svc.%s", host, pod.Spec.Subdomain, pod.Namespace, domain)}, names...)
			}
			fmt.Fprintf(&b, "%s\t%s\n", podIP, strings.Join(names, " "))
		}
	}
	if len(pod.Spec.HostAliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, a := range pod.Spec.HostAliases {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, strings.Join(a.Hostnames, "\t"))
		}
	}
	return b.String(), nil
}

// etcEnv is what this node's pods' /etc files are made from.
func (m *Manager) etcEnv(podIP string) etcEnv {
	resolvPath, hostsPath := m.cfg.HostResolvConf, m.cfg.HostHosts
	if resolvPath == "" {
		resolvPath = forward.HostResolvConf
	}
	if hostsPath == "" {
		hostsPath = "/etc/hosts"
	}
	node, err := os.Hostname()
	if err != nil {
		node = m.cfg.NodeName
	}
	return etcEnv{
		PodIP: podIP, DNSIP: m.cfg.DNSIP, Domain: m.cfg.ClusterDomain,
		HostResolv:   func() (ResolvConf, error) { return HostResolvConf(resolvPath, m.cfg.DNSUpstreams) },
		HostHosts:    func() ([]byte, error) { return os.ReadFile(hostsPath) },
		NodeHostname: node,
	}
}
