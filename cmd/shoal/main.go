// Command shoal is the Shoal agent and its command-line client.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/agent"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// exitCode ends the process with a code and no extra message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// globals are the flags every client verb shares.
type globals struct {
	server    string
	token     string
	dataDir   string
	namespace string
	allNS     bool
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "shoal",
		Short:         "Shoal: a peer-to-peer, masterless container orchestrator",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version, as kubectl users type it; the version verb says the same.
		Version: agent.Version,
	}
	root.SetVersionTemplate("shoal {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&g.server, "server", envOr("SHOAL_ADDR", ""), "API address of any agent (env SHOAL_ADDR; default https://127.0.0.1:7948)")
	pf.StringVar(&g.token, "token", os.Getenv("SHOAL_TOKEN"), "admin token (env SHOAL_TOKEN; default: the local voter's admin.token file)")
	pf.StringVar(&g.dataDir, "data-dir", envOr("SHOAL_DATA_DIR", "/var/lib/shoal"), "agent data directory (env SHOAL_DATA_DIR)")
	root.AddCommand(
		newAgentCmd(g),
		newTokenCmd(g),
		newCACmd(g),
		newApplyCmd(g),
		newCreateCmd(g),
		newRunCmd(g),
		newGetCmd(g),
		newDescribeCmd(g),
		newDeleteCmd(g),
		newStatusCmd(g),
		newLeaveCmd(g),
		newScaleCmd(g),
		newCordonCmd(g, true),
		newCordonCmd(g, false),
		newDrainCmd(g),
		newTaintCmd(g),
		newRolloutCmd(g),
		newMetadataCmd(g, false),
		newMetadataCmd(g, true),
		newLogsCmd(g),
		newExecCmd(g),
		newPortForwardCmd(g),
		newImageCmd(g),
		newSnapshotCmd(g),
		newInstallCmd(g),
		newUninstallCmd(),
		newResetCmd(g),
		newVersionCmd(),
	)
	return root
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// addNamespaceFlags adds -n and -A to a verb.
func addNamespaceFlags(cmd *cobra.Command, g *globals) {
	cmd.Flags().StringVarP(&g.namespace, "namespace", "n", "", "namespace (default \"default\")")
	cmd.Flags().BoolVarP(&g.allNS, "all-namespaces", "A", false, "all namespaces")
}
