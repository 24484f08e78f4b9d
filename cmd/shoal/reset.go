package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/agent"
)

func newResetCmd(g *globals) *cobra.Command {
	var cfg agent.ResetConfig
	var force bool
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Remove everything a stopped agent left on this machine: pods, containerd state, bridge, routes, nftables table, mounts, data dir",
		Long: `Remove what the agent left on this machine, once it is stopped: every
container, image and snapshot in its containerd namespace (and the
containerd it started itself), processes left in pod network namespaces,
mounts under --data-dir, the cluster routes, the nftables table "ip
shoal", the pod bridge shoal0, the pods' cgroups, and the data dir itself
(--keep-data keeps it). Refuses while an agent runs on the data dir.

Reset does not leave the cluster: run "shoal leave" first, or the other
members see this node as lost and replace its pods after --node-grace.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.DataDir = g.dataDir
			if !force {
				fmt.Fprintf(cmd.OutOrStdout(), "This deletes every pod of this machine and %s. Continue? [y/N] ", whatReset(cfg))
				line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					return fmt.Errorf("reset cancelled (--force skips the question)")
				}
			}
			done, err := agent.Reset(cmd.Context(), cfg)
			for _, d := range done {
				fmt.Fprintln(cmd.OutOrStdout(), d)
			}
			if err != nil {
				return fmt.Errorf("reset did not finish: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Reset done.")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.ContainerdAddress, "containerd-address", agent.DefaultContainerdAddress, "the agent's --containerd-address")
	f.StringVar(&cfg.ContainerdNamespace, "containerd-namespace", agent.DefaultContainerdNamespace, "the agent's --containerd-namespace")
	f.BoolVar(&cfg.KeepData, "keep-data", false, "keep the data dir (identity and Raft state)")
	f.BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	return cmd
}

func whatReset(cfg agent.ResetConfig) string {
	if cfg.KeepData {
		return "its network and containerd state (the data dir " + cfg.DataDir + " stays)"
	}
	return "the data dir " + cfg.DataDir
}
