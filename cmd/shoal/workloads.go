package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// splitRef reads "KIND/NAME" or "KIND NAME" arguments.
func splitRef(args []string) (*api.Kind, string, error) {
	var kind, name string
	switch {
	case len(args) == 1 && strings.Contains(args[0], "/"):
		kind, name, _ = strings.Cut(args[0], "/")
	case len(args) == 2:
		kind, name = args[0], args[1]
	default:
		return nil, "", errors.New("want KIND/NAME or KIND NAME")
	}
	k, err := lookupKind(kind)
	if err != nil {
		return nil, "", err
	}
	if name == "" {
		return nil, "", errors.New("name is empty")
	}
	return k, name, nil
}

func newScaleCmd(g *globals) *cobra.Command {
	var replicas int
	cmd := &cobra.Command{
		Use:   "scale (deployment|statefulset)/NAME --replicas N",
		Short: "Set the number of replicas of a Deployment or StatefulSet",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, name, err := splitRef(args)
			if err != nil {
				return err
			}
			if replicas < 0 {
				return fmt.Errorf("--replicas %d: want a number ≥ 0", replicas)
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				if _, err := c.Scale(ctx, k.Plural, g.objectNamespace(k.Namespaced), name, replicas); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s/%s scaled\n", strings.ToLower(k.Name), name)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&replicas, "replicas", -1, "the new number of replicas")
	_ = cmd.MarkFlagRequired("replicas")
	addNamespaceFlags(cmd, g)
	return cmd
}

func newCordonCmd(g *globals, unschedulable bool) *cobra.Command {
	verb, done := "cordon", "cordoned"
	short := "Mark a node unschedulable: no new pods go there"
	if !unschedulable {
		verb, done, short = "uncordon", "uncordoned", "Mark a node schedulable again"
	}
	return &cobra.Command{
		Use:   verb + " NODE",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				if _, err := c.Cordon(ctx, args[0], unschedulable); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node/%s %s\n", args[0], done)
				return nil
			})
		},
	}
}

func ownedByKind(o api.Object, kind string) bool {
	for _, r := range o.GetObjectMeta().OwnerReferences {
		if r.Kind == kind {
			return true
		}
	}
	return false
}

func newRolloutCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout (status|restart|undo|history) KIND/NAME",
		Short: "Follow, restart, undo or list the rollouts of a workload",
	}
	var timeout time.Duration
	status := &cobra.Command{
		Use:   "status KIND/NAME",
		Short: "Show the rollout's progress until it finishes; exit 1 if it fails",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, name, err := splitRef(args)
			if err != nil {
				return err
			}
			return g.call(cmd, timeout, func(ctx context.Context, c *client.Client) error {
				return rolloutStatus(ctx, c, k, g.objectNamespace(k.Namespaced), name, cmd.OutOrStdout())
			})
		},
	}
	status.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "give up after this long")
	restart := &cobra.Command{
		Use:   "restart KIND/NAME",
		Short: "Replace every pod of a workload through a rollout",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, name, err := splitRef(args)
			if err != nil {
				return err
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				if _, err := c.RolloutRestart(ctx, k.Plural, g.objectNamespace(k.Namespaced), name); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s/%s restarted\n", strings.ToLower(k.Name), name)
				return nil
			})
		},
	}
	var toRevision int64
	undo := &cobra.Command{
		Use:   "undo deployment/NAME [--to-revision N]",
		Short: "Take a Deployment back to an earlier revision",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := deploymentRef(args, "undo")
			if err != nil {
				return err
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				if _, err := c.RolloutUndo(ctx, g.objectNamespace(true), name, toRevision); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "deployment/%s rolled back\n", name)
				return nil
			})
		},
	}
	undo.Flags().Int64Var(&toRevision, "to-revision", 0, "revision to go back to (default: the previous one)")
	for _, sub := range []*cobra.Command{status, restart, undo, newRolloutHistoryCmd(g)} {
		addNamespaceFlags(sub, g)
		cmd.AddCommand(sub)
	}
	return cmd
}

// rolloutStatus prints the rollout's progress whenever it changes until it
// is done (nil) or failed (exit status 1).
func rolloutStatus(ctx context.Context, c *client.Client, k *api.Kind, ns, name string, out io.Writer) error {
	last := ""
	for {
		obj, err := c.Get(ctx, k.Plural, ns, name)
		if err != nil {
			return err
		}
		st, err := client.Rollout(obj)
		if err != nil {
			return err
		}
		if st.Message != last {
			fmt.Fprintln(out, st.Message)
			last = st.Message
		}
		switch {
		case st.Done:
			return nil
		case st.Failed:
			return exitCode(1)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("rollout of %s/%s not finished: %w", strings.ToLower(k.Name), name, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
