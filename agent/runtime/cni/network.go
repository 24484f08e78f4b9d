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
	"slices"
	"strings"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
)

// Network sets up and tears down the pod sandboxes of one node. Its
// methods are safe for concurrent use.
type Network struct {
	cni      *libcni.CNIConfig
	list     *libcni.NetworkConfigList // bridge, portmap
	noPorts  *libcni.NetworkConfigList // bridge only, for pods without hostPorts
	gateway  netip.Addr
	netnsDir string
	cacheDir string
	logger   *slog.Logger
	locks    uidLocks
	prepared preparedSet // namespaces made by PrepareNetNS, not yet set up
}

// New checks cfg, writes the CNI configuration under cfg.DataDir, enables
// IPv4 forwarding and makes the bridge with the gateway address, all in
// the calling thread's network namespace.
func New(cfg Config) (*Network, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	prefix, err := parsePodCIDR(cfg.PodCIDR)
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("cni: DataDir %q: %w", cfg.DataDir, err)
	}
	for _, p := range []string{"bridge", "host-local", "portmap"} {
		if _, err := findPlugin(cfg.PluginDirs, p); err != nil {
			return nil, err
		}
	}
	dir := filepath.Join(dataDir, "cni")
	n := &Network{
		gateway:  prefix.Addr().Next(),
		netnsDir: filepath.Join(dataDir, "netns"),
		cacheDir: filepath.Join(dir, "cache"),
		logger:   cfg.Logger,
	}
	for _, d := range []string{filepath.Join(dir, "net.d"), filepath.Join(dir, "ipam"), n.cacheDir, n.netnsDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("cni: %w", err)
		}
	}
	conf, err := conflist(cfg, prefix, filepath.Join(dir, "ipam"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "net.d", confName), conf, 0o644); err != nil {
		return nil, fmt.Errorf("cni: write config: %w", err)
	}
	if n.list, err = libcni.NetworkConfFromBytes(conf); err != nil {
		return nil, fmt.Errorf("cni: parse own config: %w", err)
	}
	if n.noPorts, err = withoutPortmap(n.list); err != nil {
		return nil, err
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		return nil, fmt.Errorf("cni: enable ip forwarding: %w", err)
	}
	if err := ensureBridge(cfg.Bridge, cfg.MTU, netip.PrefixFrom(n.gateway, prefix.Bits())); err != nil {
		return nil, err
	}
	// An explicit exec: libcni makes a missing one lazily, racing when
	// pods are set up concurrently.
	exec := &invoke.DefaultExec{RawExec: &invoke.RawExec{Stderr: os.Stderr}, PluginDecoder: version.PluginDecoder{}}
	n.cni = libcni.NewCNIConfigWithCacheDir(cfg.PluginDirs, n.cacheDir, exec)
	return n, nil
}

// withoutPortmap is list without its portmap plugin.
func withoutPortmap(list *libcni.NetworkConfigList) (*libcni.NetworkConfigList, error) {
	var doc map[string]any
	if err := json.Unmarshal(list.Bytes, &doc); err != nil {
		return nil, fmt.Errorf("cni: parse own config: %w", err)
	}
	plugins, _ := doc["plugins"].([]any)
	doc["plugins"] = slices.DeleteFunc(plugins, func(p any) bool {
		m, _ := p.(map[string]any)
		return m["type"] == "portmap"
	})
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("cni: encode config: %w", err)
	}
	l, err := libcni.NetworkConfFromBytes(b)
	if err != nil {
		return nil, fmt.Errorf("cni: parse own config: %w", err)
	}
	return l, nil
}

// Gateway is the bridge's address: the pods' default gateway and DNS.
func (n *Network) Gateway() netip.Addr { return n.gateway }

func (n *Network) nsPath(uid string) string { return filepath.Join(n.netnsDir, uid) }

// NetNSPath is where Setup binds the network namespace of pod uid, known
// before Setup runs (a container can be created for it meanwhile).
func (n *Network) NetNSPath(uid string) string { return n.nsPath(uid) }

func (n *Network) runtimeConf(pod PodRef, nsPath string) *libcni.RuntimeConf {
	return &libcni.RuntimeConf{
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
}

// Setup gives the pod a network namespace and an IP, with its hostPorts.
// When the pod already has a sandbox it returns that one unchanged; a
// half-made one (left by a crash) is torn down and made again. On failure
// Setup undoes what it did.
func (n *Network) Setup(ctx context.Context, pod PodRef, ports []PortMapping) (Sandbox, error) {
	if !validUID(pod.UID) {
		return Sandbox{}, fmt.Errorf("cni: pod uid %q: want letters, digits, '-', '_' or '.'", pod.UID)
	}
	pm, err := portMappings(ports)
	if err != nil {
		return Sandbox{}, err
	}
	defer n.locks.lock(pod.UID)()
	if sb, ok := n.Lookup(pod.UID); ok {
		n.prepared.take(pod.UID)
		return sb, nil
	}
	start := time.Now()
	path := n.nsPath(pod.UID)
	if !n.prepared.take(pod.UID) || !isNetNS(path) {
		if err := n.teardown(ctx, pod.UID); err != nil {
			return Sandbox{}, fmt.Errorf("cni: clear half-made sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		if err := createNetNS(path); err != nil {
			return Sandbox{}, err
		}
	}
	rt := n.runtimeConf(pod, path)
	list := n.noPorts // saves running portmap twice per pod; DEL uses the cached list
	if len(pm) > 0 {
		rt.CapabilityArgs = map[string]any{"portMappings": pm}
		list = n.list
	}
	res, err := n.cni.AddNetworkList(ctx, list, rt)
	if err == nil {
		var sb Sandbox
		if sb, err = sandboxOf(res, path); err == nil {
			n.logger.Debug("pod sandbox up", "pod", pod.Namespace+"/"+pod.Name, "ip", sb.IP, "seconds", time.Since(start).Seconds())
			return sb, nil
		}
	}
	err = fmt.Errorf("cni: add pod %s/%s: %w", pod.Namespace, pod.Name, err)
	if uerr := n.teardown(context.WithoutCancel(ctx), pod.UID); uerr != nil {
		err = errors.Join(err, fmt.Errorf("undo: %w", uerr))
	}
	return Sandbox{}, err
}

// sandboxOf reads the pod's IPv4 address and gateway from a CNI result.
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

// Lookup finds an existing sandbox from its namespace file and libcni's
// cached result, e.g. after the agent restarted.
func (n *Network) Lookup(uid string) (Sandbox, bool) {
	if !validUID(uid) {
		return Sandbox{}, false
	}
	path := n.nsPath(uid)
	if !isNetNS(path) {
		return Sandbox{}, false
	}
	res, err := n.cni.GetNetworkListCachedResult(n.list, n.runtimeConf(PodRef{UID: uid}, path))
	if err != nil || res == nil {
		return Sandbox{}, false
	}
	sb, err := sandboxOf(res, path)
	return sb, err == nil
}

// Teardown runs CNI DEL for the pod (releasing its IP and hostPorts),
// then unbinds and removes its namespace file. It is nil when there is
// nothing to tear down.
func (n *Network) Teardown(ctx context.Context, uid string) error {
	if !validUID(uid) {
		return fmt.Errorf("cni: pod uid %q: want letters, digits, '-', '_' or '.'", uid)
	}
	defer n.locks.lock(uid)()
	return n.teardown(ctx, uid)
}

// teardown is Teardown with the uid's lock held.
func (n *Network) teardown(ctx context.Context, uid string) error {
	n.prepared.take(uid)
	path := n.nsPath(uid)
	_, statErr := os.Lstat(path)
	rt := n.runtimeConf(PodRef{UID: uid}, path)
	list := n.list
	conf, cached, err := n.cni.GetNetworkListCachedConfig(n.list, rt)
	switch {
	case err != nil:
		n.logger.Warn("unreadable CNI cache, deleting with the current config", "uid", uid, "err", err)
	case cached != nil:
		// DEL with what ADD was given (hostPorts, and the config then in
		// force), so a changed config still cleans up.
		rt = cached
		if l, err := libcni.NetworkConfFromBytes(conf); err == nil {
			list = l
		}
	case os.IsNotExist(statErr):
		return nil // no cache, no namespace: nothing was ever added
	}
	if !isNetNS(path) {
		rt.NetNS = "" // plugins then only release what they hold on the host
	} else {
		rt.NetNS = path
	}
	var errs []error
	if err := n.cni.DelNetworkList(ctx, list, rt); err != nil {
		errs = append(errs, fmt.Errorf("cni: del pod %s: %w", uid, err))
	}
	if err := removeNetNS(path); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// List reports the uids of pods that have a sandbox, whole or half-made,
// so the caller can tear down those it no longer wants.
func (n *Network) List() ([]string, error) {
	ents, err := os.ReadDir(n.netnsDir)
	if err != nil {
		return nil, fmt.Errorf("cni: list sandboxes: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	add := func(uid string) {
		if validUID(uid) && !seen[uid] {
			seen[uid] = true
			out = append(out, uid)
		}
	}
	for _, e := range ents {
		add(e.Name())
	}
	results, err := os.ReadDir(filepath.Join(n.cacheDir, "results"))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("cni: list sandboxes: %w", err)
	}
	for _, e := range results {
		name, ok := strings.CutPrefix(e.Name(), networkName+"-")
		if uid, ok2 := strings.CutSuffix(name, "-"+ifName); ok && ok2 {
			add(uid)
		}
	}
	return out, nil
}
