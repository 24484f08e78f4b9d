package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/agent"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/pki"
	"github.com/shoal-dev/shoal/placement"
)

// clusterWide ends the help of the flags of cluster-wide settings.
const clusterWide = " (cluster-wide: recorded when the cluster is created; other agents take it from the cluster)"

func newAgentCmd(g *globals) *cobra.Command {
	var (
		cfg              agent.Config
		labels, cpu, mem string
		tokenFile        string
		logLevel         string
		strategy         string
	)
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run the Shoal agent: start a new cluster, or --join one",
		Long: `Run the Shoal agent on this machine.

Without --join it starts a new cluster and prints the command that joins
other machines. With --join HOST[:PORT] --token TOKEN it joins an existing
cluster. Restarted with the same --data-dir it rejoins by itself.

The cluster-wide settings (--cluster-cidr, --service-cidr, --cluster-domain,
--node-port-range, --node-grace, --fence-after, --pod-security,
--max-replicas) are recorded when the
cluster is created. A joining or restarting agent takes them from the
cluster; one given such a flag with another value refuses to start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			cfg.DataDir = g.dataDir
			if cfg.Token, err = joinToken(cfg.Token, tokenFile, g.token); err != nil {
				return err
			}
			if cfg.Labels, err = parseLabels(labels); err != nil {
				return fmt.Errorf("--labels: %w", err)
			}
			if cpu != "" {
				q, err := api.ParseQuantity(cpu)
				if err != nil || q.Sign() <= 0 {
					return fmt.Errorf("--cpu %q: want a CPU quantity like 2 or 1500m", cpu)
				}
				cfg.CPU = q.MilliValue()
			}
			if mem != "" {
				q, err := api.ParseQuantity(mem)
				if err != nil || q.Sign() <= 0 {
					return fmt.Errorf("--memory %q: want a memory quantity like 4Gi or 512Mi", mem)
				}
				cfg.Memory = q.Value()
			}
			cfg.Placement = placement.Strategy(strategy)
			cfg.ExplicitFlags = map[string]bool{}
			for _, name := range agent.SettingFlags() {
				cfg.ExplicitFlags[name] = cmd.Flags().Changed(name)
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)
			}
			cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			return runAgent(cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Name, "name", "", "node name, unique in the cluster (default: hostname)")
	f.StringVar(&cfg.BindAddr, "bind", "0.0.0.0", "IP address to listen on")
	f.StringVar(&cfg.AdvertiseAddr, "advertise", "", "IP address other nodes reach this one on (default: --bind, or the first global address)")
	f.StringVar(&cfg.Join, "join", "", "HOST[:PORT] of any agent of the cluster to join")
	f.StringVar(&cfg.Token, "token", "", "cluster join token (SHOAL-1-...); other local users can read a process's arguments, so prefer --token-file or SHOAL_JOIN_TOKEN")
	f.StringVar(&tokenFile, "token-file", "", "file holding the join token")
	f.IntVar(&cfg.GossipPort, "gossip-port", agent.DefaultGossipPort, "gossip port (TCP and UDP)")
	f.IntVar(&cfg.RaftPort, "raft-port", agent.DefaultRaftPort, "Raft port")
	f.IntVar(&cfg.APIPort, "api-port", agent.DefaultAPIPort, "HTTPS API port")
	f.IntVar(&cfg.Voters, "voters", agent.DefaultVoters, "number of Raft voters (odd: 1, 3, 5 or 7)")
	f.StringVar(&labels, "labels", "", "node labels, k=v,k2=v2")
	f.StringVar(&cpu, "cpu", "", "CPU capacity to offer, e.g. 2 or 1500m (default: the machine's)")
	f.StringVar(&mem, "memory", "", "memory capacity to offer, e.g. 4Gi (default: the machine's)")
	f.IntVar(&cfg.MaxPods, "max-pods", agent.DefaultMaxPods, "how many pods this node takes")
	f.StringVar((*string)(&cfg.PodSecurity), "pod-security", string(api.PodSecurityBaseline), "Pod Security level of namespaces without the pod-security.kubernetes.io/enforce label, cluster-wide: privileged, baseline or restricted")
	f.IntVar(&cfg.MaxReplicas, "max-replicas", 0, "most replicas of one workload, cluster-wide (0: twice the cluster's pod capacity, at least 500; at most 10000)")
	f.BoolVar(&cfg.ForceNewCluster, "force-new-cluster", false, "restart the control plane from this node's replica when quorum is lost for good")
	f.StringVar(&cfg.Restore, "restore", "", "start a new cluster from this snapshot file (shoal snapshot save) on an empty data dir: disaster recovery")
	f.BoolVar(&cfg.LeaveOnTerminate, "leave-on-terminate", false, "leave the cluster gracefully on SIGTERM")
	f.DurationVar(&cfg.VoterGrace, "voter-grace", agent.DefaultVoterGrace, "how long a voter must be dead before it is replaced")
	f.StringVar(&strategy, "placement", string(placement.Spread), "pod placement: spread (least-allocated) or binpack (most-allocated)")
	f.DurationVar(&cfg.NodeGrace, "node-grace", agent.DefaultNodeGrace, "how long a node may be NotReady before its pods are replaced elsewhere"+clusterWide)
	f.DurationVar(&cfg.FenceAfter, "fence-after", agent.DefaultFenceAfter, "how long an agent cut off from a Raft majority keeps its StatefulSet pods"+clusterWide)
	f.StringVar(&cfg.ClusterCIDR, "cluster-cidr", agent.DefaultClusterCIDR, "pod network; each node gets a /24 of it"+clusterWide)
	f.StringVar(&cfg.ServiceCIDR, "service-cidr", agent.DefaultServiceCIDR, "service virtual IP range, /28 or larger"+clusterWide)
	f.StringVar(&cfg.NodePortRange, "node-port-range", agent.DefaultNodePortRange, "LOW-HIGH ports of NodePort and LoadBalancer services"+clusterWide)
	f.StringVar(&cfg.ClusterDomain, "cluster-domain", agent.DefaultClusterDomain, "DNS zone of services and pods"+clusterWide)
	f.StringVar(&cfg.ContainerdAddress, "containerd-address", agent.DefaultContainerdAddress, "containerd socket; if nothing answers there the agent starts containerd itself")
	f.StringVar(&cfg.ContainerdNamespace, "containerd-namespace", agent.DefaultContainerdNamespace, "containerd namespace for this agent's pods")
	f.StringArrayVar(&cfg.InsecureRegistries, "insecure-registry", nil, "HOST:PORT of a registry to pull from over plain HTTP (repeatable)")
	f.StringVar(&cfg.RegistryConfig, "registry-config", "", "docker-style config.json with registry credentials (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json)")
	f.StringVar(&cfg.Runtime, "runtime", agent.RuntimeContainerd, "containerd, or none for a node that accepts pods but runs nothing (control-plane tests)")
	_ = f.MarkHidden("runtime")
	f.DurationVar(&cfg.RestartBackoff, "restart-backoff", 0, "first crash-loop back-off delay, doubling up to 5m (default 10s)")
	f.StringVar(&cfg.EvictionHard, "eviction-hard", agent.DefaultEvictionHard, "free-space thresholds below which pods are evicted, kubelet syntax: SIGNAL<PERCENT% or SIGNAL<BYTES, comma-separated; signals nodefs.available (the data dir's filesystem) and imagefs.available (containerd's, if another); at least min(512Mi, 20%) stays free on the data dir's filesystem for Raft whatever this says")
	f.StringVar(&cfg.DNSAddr, "dns-addr", agent.DefaultDNSAddr, "host-side DNS listener IP:PORT (:PORT means the advertise address; \"\" turns it off); pods always get DNS on their bridge gateway")
	f.DurationVar(&cfg.DNSTTL, "dns-ttl", 5*time.Second, "TTL of cluster DNS records (whole seconds)")
	f.StringArrayVar(&cfg.DNSUpstreams, "dns-upstream", nil, "IP[:PORT] of a resolver for names outside the cluster (repeatable; default: the host's, from /etc/resolv.conf or systemd-resolved)")
	f.StringArrayVar(&cfg.DNSForward, "dns-forward", nil, "DOMAIN=IP[:PORT][,IP[:PORT]] sends a domain to its own resolvers (repeatable)")
	f.BoolVar(&cfg.DNSLog, "dns-log", false, "log every DNS query")
	f.StringVar(&cfg.IngressAddr, "ingress-addr", agent.DefaultIngressAddr, "HTTP listener of the ingress proxy, IP:PORT (:PORT means every address of the node, unlike --dns-addr; \"\" turns it off); no NodePort or LoadBalancer service may take its port")
	f.StringVar(&cfg.IngressTLSAddr, "ingress-tls-addr", agent.DefaultIngressTLSAddr, "HTTPS listener of the ingress proxy, as --ingress-addr")
	f.StringSliceVar(&cfg.IngressTrustedProxies, "ingress-trusted-proxies", nil, "CIDRs or IPs of load balancers in front of the ingress whose X-Forwarded-For/-Proto/-Host/-Port and X-Real-IP are kept (comma-separated; default: none, such headers from clients are replaced)")
	f.BoolVar(&cfg.IngressAccessLog, "ingress-access-log", false, "log every ingress request")
	f.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "IP:PORT of a plain-HTTP listener that serves /metrics without a token (default: none; /metrics on the API port needs the token or a node certificate)")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.BoolVar(&cfg.GossipFast, "gossip-fast", false, "fast gossip failure detection (for tests on loopback)")
	_ = f.MarkHidden("gossip-fast")
	f.DurationVar(&cfg.RaftSnapshotInterval, "raft-snapshot-interval", 0, "how often Raft checks whether to snapshot (tests; default hashicorp/raft's 2m)")
	f.Uint64Var(&cfg.RaftSnapshotThreshold, "raft-snapshot-threshold", 0, "log entries between Raft snapshots (tests; default hashicorp/raft's 8192)")
	_ = f.MarkHidden("raft-snapshot-interval")
	_ = f.MarkHidden("raft-snapshot-threshold")
	f.DurationVar(&cfg.CertValidity, "cert-validity", pki.DefaultNodeValidity, "how long node certificates this agent signs (as a voter) are valid; nodes renew theirs after two thirds")
	return cmd
}

// joinToken picks the join token: --token, else --token-file, else
// $SHOAL_JOIN_TOKEN, else the global --token/$SHOAL_TOKEN.
func joinToken(flag, file, global string) (string, error) {
	switch {
	case flag != "":
		return flag, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	case os.Getenv("SHOAL_JOIN_TOKEN") != "":
		return os.Getenv("SHOAL_JOIN_TOKEN"), nil
	}
	return global, nil
}

func runAgent(cfg agent.Config) error {
	a, err := agent.New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		if sig == syscall.SIGTERM && cfg.LeaveOnTerminate {
			lctx, lcancel := context.WithTimeout(ctx, 30*time.Second)
			if err := a.Leave(lctx); err != nil {
				cfg.Logger.Warn("leave on terminate", "err", err)
			}
			lcancel()
		}
		cancel()
		<-sigs
		os.Exit(1)
	}()
	return a.Run(ctx)
}

// parseLabels reads "k=v,k2=v2".
func parseLabels(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: want key=value", kv)
		}
		if err := api.ValidateLabels(map[string]string{k: v}); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}
