package cni

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// Config configures the pod network of one node.
type Config struct {
	// DataDir is the agent's data dir. The conflist goes to
	// DataDir/cni/net.d, IPAM leases to DataDir/cni/ipam, libcni's cache
	// to DataDir/cni/cache and namespace files to DataDir/netns/<uid>.
	DataDir string
	// PluginDirs are searched for CNI plugins; default
	// ["/usr/lib/cni", "/opt/cni/bin"].
	PluginDirs []string
	// Bridge is the node's pod bridge; default "shoal0".
	Bridge string
	// PodCIDR is this node's pod network, e.g. "10.42.3.0/24". Its first
	// address is the gateway on the bridge.
	PodCIDR string
	// MTU of the bridge and the pods' interfaces; 0 lets the plugin choose.
	MTU int
	// Logger receives the package's few log lines; default slog.Default().
	Logger *slog.Logger
}

// Defaults for Config.
var (
	DefaultPluginDirs = []string{"/usr/lib/cni", "/opt/cni/bin"}
	DefaultBridge     = "shoal0"
)

const (
	networkName = "shoal"
	ifName      = "eth0"
	cniVersion  = "1.0.0"
	confName    = "10-shoal.conflist"
)

// withDefaults returns cfg with empty fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if len(cfg.PluginDirs) == 0 {
		cfg.PluginDirs = DefaultPluginDirs
	}
	if cfg.Bridge == "" {
		cfg.Bridge = DefaultBridge
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// Validate checks cfg (after defaults) without touching the machine; each
// error names the field.
func (cfg Config) Validate() error {
	cfg = cfg.withDefaults()
	var errs []error
	if cfg.DataDir == "" {
		errs = append(errs, errors.New("cni: DataDir is empty"))
	}
	if _, err := parsePodCIDR(cfg.PodCIDR); err != nil {
		errs = append(errs, err)
	}
	if err := validBridge(cfg.Bridge); err != nil {
		errs = append(errs, err)
	}
	if cfg.MTU != 0 && (cfg.MTU < 68 || cfg.MTU > 65535) {
		errs = append(errs, fmt.Errorf("cni: MTU %d: want 0 (default) or 68-65535", cfg.MTU))
	}
	for _, d := range cfg.PluginDirs {
		if !filepath.IsAbs(d) {
			errs = append(errs, fmt.Errorf("cni: PluginDirs %q: want an absolute path", d))
		}
	}
	return errors.Join(errs...)
}

// parsePodCIDR parses an IPv4 pod network with room for a gateway and pods.
func parsePodCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Bits() > 30 || p.Bits() < 8 {
		return netip.Prefix{}, fmt.Errorf("cni: PodCIDR %q: want an IPv4 CIDR between /8 and /30, like 10.42.3.0/24", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("cni: PodCIDR %q: host bits set, did you mean %s?", s, p.Masked())
	}
	return p, nil
}

// validBridge checks a Linux interface name.
func validBridge(name string) error {
	if len(name) > 15 {
		return fmt.Errorf("cni: Bridge %q: at most 15 characters", name)
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/: \t\n\x00") {
		return fmt.Errorf("cni: Bridge %q: not a valid interface name", name)
	}
	return nil
}

// findPlugin reports where the plugin is, or an error saying what to
// install.
func findPlugin(dirs []string, name string) (string, error) {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("cni: plugin %q not found in PluginDirs %s: install containernetworking-plugins", name, strings.Join(dirs, ", "))
}

// conflist is the node's CNI configuration: the bridge (gateway, hairpin,
// no masquerade) with host-local IPAM, then portmap for hostPorts.
func conflist(cfg Config, prefix netip.Prefix, ipamDir string) ([]byte, error) {
	bridge := map[string]any{
		"type":        "bridge",
		"bridge":      cfg.Bridge,
		"isGateway":   true,
		"ipMasq":      false,
		"hairpinMode": true,
		"ipam": map[string]any{
			"type":    "host-local",
			"ranges":  [][]map[string]string{{{"subnet": prefix.String(), "gateway": prefix.Addr().Next().String()}}},
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
