package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/agent"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// requestTimeout bounds one CLI request.
const requestTimeout = 60 * time.Second

func newApplyCmd(g *globals) *cobra.Command {
	var files []string
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR|-",
		Short: "Create or update objects from YAML/JSON manifests (all or nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			manifest, err := readManifests(files, cmd.InOrStdin())
			if err != nil {
				return err
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				report, err := c.ApplyIn(ctx, manifest, g.namespace)
				if err != nil {
					return err
				}
				printReport(cmd.OutOrStdout(), report)
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "manifest file, directory (its .yaml/.yml/.json files) or - for stdin")
	cmd.Flags().StringVarP(&g.namespace, "namespace", "n", "", "namespace for the objects that name none (default \"default\"); an object naming another one is refused")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

func newStatusCmd(g *globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show cluster members, their health and Raft roles, and the cluster-wide settings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				st, err := c.Status(ctx)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				switch output {
				case "json":
					return writeJSON(out, st)
				case "":
				default:
					return fmt.Errorf("-o %q: status supports json", output)
				}
				sort.Slice(st.Members, func(i, j int) bool { return st.Members[i].Name < st.Members[j].Name })
				leader := st.Leader
				if leader == "" {
					leader = "(none: no quorum?)"
				}
				fmt.Fprintf(out, "Leader: %s\n\n", leader)
				tw := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
				fmt.Fprintln(tw, "NAME\tSTATUS\tRAFT\tADDRESS\tVERSION")
				for _, m := range st.Members {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Name, m.Status, m.Raft, orNone(m.Address), orNone(m.Version))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				printSettings(out, st.Settings)
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json")
	return cmd
}

// printSettings prints the cluster-wide settings the answering agent runs
// with.
func printSettings(w io.Writer, s *api.ClusterConfigSpec) {
	if s == nil {
		fmt.Fprintln(w, "\nCluster settings: not read yet (the agent waits for them in its replica)")
		return
	}
	fmt.Fprintln(w, "\nCluster settings:")
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "  cluster CIDR:\t%s\n", s.ClusterCIDR)
	fmt.Fprintf(tw, "  service CIDR:\t%s\n", s.ServiceCIDR)
	fmt.Fprintf(tw, "  cluster domain:\t%s\n", s.ClusterDomain)
	fmt.Fprintf(tw, "  node port range:\t%s\n", s.NodePortRange)
	fmt.Fprintf(tw, "  node grace:\t%s\n", s.NodeGrace)
	fmt.Fprintf(tw, "  fence after:\t%s\n", s.FenceAfter)
	podSecurity := string(s.PodSecurity)
	if podSecurity == "" {
		podSecurity = string(api.PodSecurityBaseline)
	}
	fmt.Fprintf(tw, "  pod security:\t%s\n", podSecurity)
	maxReplicas := "from the pods the nodes take (2x, 500 to 10000)"
	if s.MaxReplicas > 0 {
		maxReplicas = strconv.Itoa(s.MaxReplicas)
	}
	fmt.Fprintf(tw, "  max replicas:\t%s\n", maxReplicas)
	_ = tw.Flush()
}

func newLeaveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "leave",
		Short: "Make the agent (--server, default the local one) leave the cluster gracefully and stop",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				if err := c.Leave(ctx); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), "left the cluster")
				return nil
			})
		},
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "shoal", agent.Version)
		},
	}
}

// readManifests concatenates the manifests named by -f as one
// multi-document YAML stream.
func readManifests(files []string, stdin io.Reader) ([]byte, error) {
	var docs [][]byte
	add := func(b []byte) {
		if len(strings.TrimSpace(string(b))) > 0 {
			docs = append(docs, b)
		}
	}
	for _, f := range files {
		if f == "-" {
			b, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("read stdin: %w", err)
			}
			add(b)
			continue
		}
		st, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			add(b)
			continue
		}
		entries, err := os.ReadDir(f)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			ext := filepath.Ext(e.Name())
			if e.IsDir() || ext != ".yaml" && ext != ".yml" && ext != ".json" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(f, e.Name()))
			if err != nil {
				return nil, err
			}
			add(b)
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("no manifests in %s", strings.Join(files, ", "))
	}
	if len(docs) == 1 {
		return docs[0], nil
	}
	// JSON is YAML, so documents of either kind join into one YAML stream.
	var out []byte
	for _, d := range docs {
		out = append(out, "---\n"...)
		out = append(out, d...)
		out = append(out, '\n')
	}
	return out, nil
}

func printReport(w io.Writer, report []api.AppliedObject) {
	for _, r := range report {
		fmt.Fprintf(w, "%s/%s %s\n", strings.ToLower(r.Kind), r.Name, r.Action)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
