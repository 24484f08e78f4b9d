package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/consensus"
)

// snapshotTimeout bounds `shoal snapshot save`.
const snapshotTimeout = 5 * time.Minute

// secretWarning ends the output of `snapshot save`.
const secretWarning = "The file holds every Secret and the hashes of the cluster's tokens: keep it as safe as the admin token."

func newSnapshotCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save the cluster state to a file, inspect a saved file, or restore one onto a fresh machine",
	}
	cmd.AddCommand(newSnapshotSaveCmd(g), newSnapshotInspectCmd(), newSnapshotRestoreCmd(g))
	return cmd
}

func newSnapshotSaveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "save FILE",
		Short: "Write the leader's snapshot of the whole cluster state to FILE (mode 0600; it holds Secrets)",
		Long: `Ask the Raft leader (through any agent) for a snapshot of the whole
cluster state and write it to FILE, mode 0600. The snapshot holds every
write acknowledged before the command ran. It holds every Secret and the
hashes of the cluster's tokens: keep it as safe as the admin token.
The file is checked (its checksum and every object) before it replaces
FILE. Restore it with "shoal snapshot restore FILE" on a fresh machine.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.call(cmd, snapshotTimeout, func(ctx context.Context, c *client.Client) error {
				b, err := c.Snapshot(ctx)
				if err != nil {
					return err
				}
				_, info, err := consensus.ReadExport(b, nil)
				if err != nil {
					return fmt.Errorf("the snapshot the leader sent: %w", err)
				}
				if err := writeSecretFile(args[0], b); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Saved %s: %d objects at Raft index %d, %d bytes.\n%s\n", args[0], info.Objects, info.Index, len(b), secretWarning)
				return nil
			})
		},
	}
}

func newSnapshotInspectCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Check a snapshot file and show what it holds",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			_, info, err := consensus.ReadExport(b, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return printSnapshotInfo(cmd.OutOrStdout(), info, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json")
	return cmd
}

func printSnapshotInfo(w io.Writer, info consensus.SnapshotInfo, output string) error {
	switch output {
	case "json":
		return writeJSON(w, info)
	case "":
	default:
		return fmt.Errorf("-o %q: snapshot inspect supports json", output)
	}
	fmt.Fprintf(w, "Raft index: %d\nObjects: %d\n\n", info.Index, info.Objects)
	kinds := make([]string, 0, len(info.Kinds))
	for k := range info.Kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "KIND\tCOUNT")
	for _, k := range kinds {
		fmt.Fprintf(tw, "%s\t%d\n", k, info.Kinds[k])
	}
	return tw.Flush()
}

// newSnapshotRestoreCmd is `shoal agent --restore FILE`: the agent, with
// every agent flag, started on an empty data dir from the snapshot.
func newSnapshotRestoreCmd(g *globals) *cobra.Command {
	cmd := newAgentCmd(g)
	run := cmd.RunE
	cmd.Use = "restore FILE"
	cmd.Short = "Start a new cluster on this machine from a snapshot file (disaster recovery; takes every agent flag)"
	cmd.Long = `Start the agent on an empty --data-dir as the one voter of a new cluster
whose state is the snapshot in FILE (written by "shoal snapshot save"),
then keep running as "shoal agent" does; later restarts are plain
"shoal agent" with the same --data-dir. Same as "shoal agent --restore FILE".

The new cluster has a new CA and new tokens (the snapshot holds only the
hashes of the old ones): it prints the new join command, and clients need
the new admin token. Join further machines with that command. Nodes of
the old cluster are listed NotReady and their pods are placed again on
the nodes that join. A damaged or truncated file is refused before
anything is written, and a data dir that holds a cluster is never
overwritten.`
	cmd.Args = cobra.ExactArgs(1)
	_ = cmd.Flags().MarkHidden("restore")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := cmd.Flags().Set("restore", args[0]); err != nil {
			return err
		}
		return run(cmd, nil)
	}
	return cmd
}

// writeSecretFile replaces path with data, mode 0600, through a temporary
// file in the same directory, so a failed write leaves any old file.
func writeSecretFile(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
