package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

func newTaintCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "taint node NAME KEY=VALUE:EFFECT|KEY:EFFECT-|KEY- ...",
		Short: "Add or remove node taints (as kubectl taint): pods that do not tolerate them stay off (NoSchedule), avoid the node (PreferNoSchedule) or are evicted (NoExecute)",
		Example: `  shoal taint node node-2 dedicated=gpu:NoSchedule
  shoal taint node node-2 dedicated=gpu:NoSchedule-
  shoal taint node node-2 dedicated-`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			node, changes, err := taintArgs(args)
			if err != nil {
				return err
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				if _, err := c.Taint(ctx, node, changes); err != nil {
					return err
				}
				done := "tainted"
				if allRemovals(changes) {
					done = "untainted"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node/%s %s\n", node, done)
				return nil
			})
		},
	}
}

// taintArgs checks `taint node NAME CHANGE...` (also nodes/no, and
// node/NAME as one argument) and returns the node and the changes, each
// parsed once here so a typo is reported before anything is sent.
func taintArgs(args []string) (string, []string, error) {
	kind, node := args[0], ""
	rest := args[1:]
	if k, n, ok := strings.Cut(kind, "/"); ok {
		kind, node = k, n
	} else if len(rest) > 0 {
		node, rest = rest[0], rest[1:]
	}
	switch kind {
	case "node", "nodes", "no":
	default:
		return "", nil, fmt.Errorf("taint %s: only nodes have taints (want shoal taint node NAME KEY=VALUE:EFFECT)", kind)
	}
	if node == "" {
		return "", nil, fmt.Errorf("taint: node name required")
	}
	if len(rest) == 0 {
		return "", nil, fmt.Errorf("taint node %s: no taints given (want KEY=VALUE:EFFECT, KEY:EFFECT- or KEY-)", node)
	}
	for _, a := range rest {
		if _, err := api.ParseTaintChange(a); err != nil {
			return "", nil, err
		}
	}
	return node, rest, nil
}

func allRemovals(changes []string) bool {
	for _, c := range changes {
		if !strings.HasSuffix(c, "-") {
			return false
		}
	}
	return true
}
