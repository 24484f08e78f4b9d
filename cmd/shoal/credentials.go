package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/agent"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

func newTokenCmd(g *globals) *cobra.Command {
	var worker bool
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the cluster join token (from the local voter's data dir, or from the API)",
		Long: `Print the cluster join token, from the local voter's data dir or else
through the API. A machine joining with it may become a Raft voter and
then holds the CA key. With --worker, print the worker join token: a
machine joining with it never becomes a voter.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			read := agent.ReadToken
			if worker {
				read = agent.ReadWorkerToken
			}
			t, err := read(g.dataDir)
			if err == nil {
				fmt.Fprintln(cmd.OutOrStdout(), t)
				return nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			// Only voters keep the join token: ask one through the API.
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				t, err := c.JoinToken(ctx, worker)
				if err != nil {
					return fmt.Errorf("no join token in --data-dir %s (only Raft voters keep one), and the API: %w", g.dataDir, err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), t)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&worker, "worker", false, "the worker join token: its machines never become Raft voters")
	cmd.AddCommand(newTokenRotateCmd(g))
	return cmd
}

func newTokenRotateCmd(g *globals) *cobra.Command {
	var admin, worker bool
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the join token (--worker: the worker join token, --admin: the admin token); members stay up, the old token is refused",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			which := "join"
			switch {
			case admin && worker:
				return errors.New("--admin and --worker: rotate one token at a time")
			case admin:
				which = "admin"
			case worker:
				which = "worker"
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				t, err := c.RotateToken(ctx, which)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), t)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&admin, "admin", false, "rotate the admin token (users' credential) instead of the join token")
	cmd.Flags().BoolVar(&worker, "worker", false, "rotate the worker join token instead of the join token")
	return cmd
}

func newCACmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ca",
		Short: "The cluster certificate authority: status and rotation",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the signing CA, the trusted CAs and which CA issued each member's certificate",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				st, err := c.CAStatus(ctx)
				if err != nil {
					return err
				}
				printCAStatus(cmd.OutOrStdout(), st)
				return nil
			})
		},
	})
	cmd.AddCommand(newCARotateCmd(g))
	return cmd
}

func newCARotateCmd(g *globals) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the cluster CA without downtime: every member renews under a new CA, then the old one is dropped",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.connect()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), requestTimeout)
			defer cancel()
			st, err := c.RotateCA(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "New CA %s signs from now on; members are renewing their certificates.\n", short(st.Signer))
			fmt.Fprintf(out, "Tokens pinning the new CA (same secrets; the old ones stop working when the rotation ends):\n  admin:  %s\n  join:   %s\n  worker: %s\n", st.AdminToken, st.JoinToken, st.WorkerToken)
			if wait == 0 {
				return nil
			}
			// The old CA's pin stops working when the rotation ends:
			// follow it with the new admin token.
			c, err = client.New(g.serverOrDefault(), st.AdminToken)
			if err != nil {
				return err
			}
			deadline := time.Now().Add(wait)
			for {
				ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
				st, err = c.CAStatus(ctx)
				cancel()
				if err == nil && !st.Rotating {
					fmt.Fprintln(out, "Rotation done: every member holds a certificate of the new CA; the old CA is no longer trusted.")
					return nil
				}
				if time.Now().After(deadline) {
					if err != nil {
						return fmt.Errorf("rotation not confirmed after %s: %w", wait, err)
					}
					printCAStatus(out, st)
					return fmt.Errorf("rotation still under way after %s: members above without the new CA have not renewed (down?); it ends once they do", wait)
				}
				select {
				case <-cmd.Context().Done():
					return cmd.Context().Err()
				case <-time.After(time.Second):
				}
			}
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "wait this long for the rotation to end (0: do not wait)")
	return cmd
}

func printCAStatus(w io.Writer, st api.CAStatus) {
	fmt.Fprintf(w, "SIGNER   %s\n", short(st.Signer))
	for _, h := range st.Trusted {
		fmt.Fprintf(w, "TRUSTED  %s\n", short(h))
	}
	names := make([]string, 0, len(st.Nodes))
	for n := range st.Nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NODE\tCA")
	for _, n := range names {
		ca := st.Nodes[n]
		if ca == "" {
			ca = "<unknown>"
		}
		fmt.Fprintf(tw, "%s\t%s\n", n, ca)
	}
	_ = tw.Flush()
}

// short is the first 16 hex digits of a hash, as nodes gossip them.
func short(h string) string { return h[:min(len(h), 16)] }
