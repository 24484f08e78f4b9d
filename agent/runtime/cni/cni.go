// Package cni gives pods their network namespace and IP through CNI
// (libcni with the standard bridge, host-local, portmap and loopback
// plugins).
package cni

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
)

// Config configures the pod network of one node.
type Config struct {
	DataDir    string
	PluginDirs []string
	Bridge     string
	PodCIDR    string
	MTU        int
	Logger     *slog.Logger
}

// PortMapping is a hostPort.
type PortMapping struct {
	HostPort, ContainerPort int32
	Protocol                string
	HostIP                  string
}

// PodRef names a pod.
type PodRef struct{ UID, Namespace, Name string }

// Sandbox is a pod's network namespace and address.
type Sandbox struct {
	NetNSPath string
	IP        netip.Addr
	Gateway   netip.Addr
}

const (
	networkName  = "shoal"
	loopbackName = "lo-shoal"
	ifName       = "eth0"
	cniVersion   = "1.0.0"
)

// Network sets up and tears down pod sandboxes.
type Network struct {
	cfg      Config
	cni      *libcni.CNIConfig
	list     *libcni.NetworkConfigList
	loopback *libcni.NetworkConfigList
	gateway  netip.Addr
	netnsDir string
	logger   *slog.Logger
}

// New checks cfg, writes the CNI configuration and enables IP forwarding.
func New(cfg Config) (*Network, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("cni: DataDir is empty")
	}
	if len(cfg.PluginDirs) == 0 {
		cfg.PluginDirs = []string{"/usr/lib/cni", "/opt/cni/bin"}
	}
	if cfg.Bridge == "" {
		cfg.Bridge = "shoal0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	prefix, err := netip.ParsePrefix(cfg.PodCIDR)
	if err != nil || !prefix.Addr().Is4() || prefix.Bits() > 30 {
		return nil, fmt.Errorf("cni: pod CIDR %q: want an IPv4 CIDR of /30 or larger", cfg.PodCIDR)
	}
	prefix = prefix.Masked()
	if len(cfg.Bridge) > 15 {
		return nil, fmt.Errorf("cni: bridge name %q: at most 15 characters", cfg.Bridge)
	}
	if _, err := findPlugin(cfg.PluginDirs, "bridge"); err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.DataDir, "cni")
	for _, d := range []string{filepath.Join(dir, "net.d"), filepath.Join(dir, "ipam"), filepath.Join(dir, "cache")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("cni: %w", err)
		}
	}
	netnsDir := filepath.Join(cfg.DataDir, "netns")
	if err := os.MkdirAll(netnsDir, 0o755); err != nil {
		return nil, fmt.Errorf("cni: %w", err)
	}
	conf, err := conflist(cfg, prefix, filepath.Join(dir, "ipam"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "net.d", "10-shoal.conflist"), conf, 0o644); err != nil {
		return nil, fmt.Errorf("cni: write config: %w", err)
	}
	list, err := libcni.NetworkConfFromBytes(conf)
	if err != nil {
		return nil, fmt.Errorf("cni: parse own config: %w", err)
	}
	lo, err := libcni.NetworkConfFromBytes([]byte(`{"cniVersion":"` + cniVersion + `","name":"` + loopbackName + `","plugins":[{"type":"loopback"}]}`))
	if err != nil {
		return nil, fmt.Errorf("cni: loopback config: %w", err)
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		return nil, fmt.Errorf("cni: enable ip forwarding: %w", err)
	}
	return &Network{
		cfg:      cfg,
		cni:      libcni.NewCNIConfigWithCacheDir(cfg.PluginDirs, filepath.Join(dir, "cache"), nil),
		list:     list,
		loopback: lo,
		gateway:  prefix.Addr().Next(),
		netnsDir: netnsDir,
		logger:   cfg.Logger,
	}, nil
}

// conflist is the node's CNI configuration: bridge with host-local IPAM,
// then portmap for hostPorts.
func conflist(cfg Config, prefix netip.Prefix, ipamDir string) ([]byte, error) {
	bridge := map[string]any{
		"type":        "bridge",
		"bridge":      cfg.Bridge,
		"isGateway":   true,
		"ipMasq":      false,
		"hairpinMode": true,
		"ipam": map[string]any{
			"type":    "host-local",
			"ranges":  [][]map[string]string{{{"subnet": prefix.String()}}},
			"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
			"dataDir": ipamDir,
		},
	}
	if cfg.MTU > 0 {
		bridge["mtu"] = cfg.MTU
	}
	doc := map[string]any{
		"cniVersion": cniVersion,
		"name":       networkName,
		"plugins": []any{
			bridge,
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}, "snat": true},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cni: encode config: %w", err)
	}
	return b, nil
}

func findPlugin(dirs []string, name string) (string, error) {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("cni: plugin %q not found in %s: install containernetworking-plugins", name, strings.Join(dirs, ", "))
}

// Gateway is the bridge's address: the pods' default gateway and DNS.
func (n *Network) Gateway() netip.Addr { return n.gateway }

func (n *Network) runtimeConf(pod PodRef, nsPath string, ports []PortMapping) *libcni.RuntimeConf {
	rt := &libcni.RuntimeConf{
		ContainerID: pod.UID,
		NetNS:       nsPath,
		IfName:      ifName,
		Args: [][2]string{
			{"IgnoreUnknown", "1"},
			{"K8S_POD_NAMESPACE", pod.Namespace},
			{"K8S_POD_NAME", pod.Name},
			{"K8S_POD_UID", pod.UID},
		},
	}
	if len(ports) > 0 {
		pm := make([]map[string]any, 0, len(ports))
		for _, p := range ports {
			m := map[string]any{"hostPort": p.HostPort, "containerPort": p.ContainerPort, "protocol": strings.ToLower(p.Protocol)}
			if p.HostIP != "" {
				m["hostIP"] = p.HostIP
			}
			pm = append(pm, m)
		}
		rt.CapabilityArgs = map[string]any{"portMappings": pm}
	}
	return rt
}

// Setup gives the pod a network namespace and an IP; it returns the
// existing sandbox when there is one.
func (n *Network) Setup(ctx context.Context, pod PodRef, ports []PortMapping) (Sandbox, error) {
	if !validUID(pod.UID) {
		return Sandbox{}, fmt.Errorf("cni: bad pod uid %q", pod.UID)
	}
	if sb, ok := n.Lookup(pod.UID); ok {
		return sb, nil
	}
	path := filepath.Join(n.netnsDir, pod.UID)
	if err := createNetNS(path); err != nil {
		return Sandbox{}, err
	}
	rt := n.runtimeConf(pod, path, ports)
	if _, err := n.cni.AddNetworkList(ctx, n.loopback, rt); err != nil {
		_ = n.Teardown(context.WithoutCancel(ctx), pod.UID)
		return Sandbox{}, fmt.Errorf("cni: loopback: %w", err)
	}
	res, err := n.cni.AddNetworkList(ctx, n.list, rt)
	if err != nil {
		_ = n.Teardown(context.WithoutCancel(ctx), pod.UID)
		return Sandbox{}, fmt.Errorf("cni: add pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	sb, err := sandboxOf(res, path)
	if err != nil {
		_ = n.Teardown(context.WithoutCancel(ctx), pod.UID)
		return Sandbox{}, err
	}
	return sb, nil
}

func sandboxOf(res types.Result, path string) (Sandbox, error) {
	cur, err := types100.NewResultFromResult(res)
	if err != nil {
		return Sandbox{}, fmt.Errorf("cni: result: %w", err)
	}
	for _, ip := range cur.IPs {
		if a, ok := netip.AddrFromSlice(ip.Address.IP.To4()); ok {
			sb := Sandbox{NetNSPath: path, IP: a}
			if g, ok := netip.AddrFromSlice(ip.Gateway.To4()); ok {
				sb.Gateway = g
			}
			return sb, nil
		}
	}
	return Sandbox{}, errors.New("cni: result has no IPv4 address")
}

// Lookup finds an existing sandbox (after an agent restart).
func (n *Network) Lookup(uid string) (Sandbox, bool) {
	if !validUID(uid) {
		return Sandbox{}, false
	}
	path := filepath.Join(n.netnsDir, uid)
	if !isNetNS(path) {
		return Sandbox{}, false
	}
	res, err := n.cni.GetNetworkListCachedResult(n.list, n.runtimeConf(PodRef{UID: uid}, path, nil))
	if err != nil || res == nil {
		return Sandbox{}, false
	}
	sb, err := sandboxOf(res, path)
	return sb, err == nil
}

// Teardown releases the pod's IP and removes its network namespace.
func (n *Network) Teardown(ctx context.Context, uid string) error {
	if !validUID(uid) {
		return fmt.Errorf("cni: bad pod uid %q", uid)
	}
	path := filepath.Join(n.netnsDir, uid)
	nsPath := path
	if !isNetNS(path) {
		nsPath = ""
	}
	var errs []error
	rt := n.runtimeConf(PodRef{UID: uid}, nsPath, nil)
	if _, cached, err := n.cni.GetNetworkListCachedConfig(n.list, rt); err == nil && cached != nil {
		cached.NetNS = nsPath
		rt = cached
	}
	if err := n.cni.DelNetworkList(ctx, n.list, rt); err != nil {
		errs = append(errs, fmt.Errorf("cni: del pod %s: %w", uid, err))
	}
	_ = n.cni.DelNetworkList(ctx, n.loopback, rt)
	if err := removeNetNS(path); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// List reports the pod uids that have a sandbox on this node.
func (n *Network) List() ([]string, error) {
	ents, err := os.ReadDir(n.netnsDir)
	if err != nil {
		return nil, fmt.Errorf("cni: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range ents {
		if validUID(e.Name()) && !seen[e.Name()] {
			seen[e.Name()] = true
			out = append(out, e.Name())
		}
	}
	cached, _ := filepath.Glob(filepath.Join(n.cfg.DataDir, "cni", "cache", "results", networkName+"-*-"+ifName))
	for _, f := range cached {
		uid := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), networkName+"-"), "-"+ifName)
		if validUID(uid) && !seen[uid] {
			seen[uid] = true
			out = append(out, uid)
		}
	}
	return out, nil
}

// validUID admits the characters of a uid, so it can name a file.
func validUID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
