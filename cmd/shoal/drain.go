package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// drainOptions tune drain.
type drainOptions struct {
	// disableEviction deletes pods directly, bypassing their
	// PodDisruptionBudgets.
	disableEviction bool
	// retry is how long drain waits before asking again for a pod whose
	// budget refused its eviction (kubectl waits 5s).
	retry time.Duration
	// poll is how often drain looks at the node's pods.
	poll time.Duration
}

func newDrainCmd(g *globals) *cobra.Command {
	var timeout time.Duration
	opts := drainOptions{retry: 5 * time.Second, poll: 500 * time.Millisecond}
	cmd := &cobra.Command{
		Use:   "drain NODE",
		Short: "Cordon a node and evict its pods (DaemonSet pods stay), waiting for their PodDisruptionBudgets; their controllers replace them elsewhere",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.call(cmd, timeout, func(ctx context.Context, c *client.Client) error {
				return drain(ctx, c, args[0], opts, cmd.OutOrStdout())
			})
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "give up after this long")
	cmd.Flags().BoolVar(&opts.disableEviction, "disable-eviction", false, "delete pods instead of evicting them, bypassing PodDisruptionBudgets")
	// kubectl drain habits: Shoal always leaves DaemonSet pods and always
	// deletes emptyDir data with its pod, so these are accepted as is.
	var ignored bool
	cmd.Flags().BoolVar(&ignored, "ignore-daemonsets", true, "accepted for kubectl habits: DaemonSet pods always stay")
	cmd.Flags().BoolVar(&ignored, "delete-emptydir-data", true, "accepted for kubectl habits: emptyDir data always goes with its pod")
	return cmd
}

// drain cordons node, evicts its pods through the eviction API (or
// deletes them with disableEviction) and waits until none but DaemonSet
// pods are left, printing progress. A pod whose PodDisruptionBudget
// refuses is asked again every opts.retry until the budget allows it or
// ctx ends, as kubectl drain does.
func drain(ctx context.Context, c *client.Client, node string, opts drainOptions, out io.Writer) error {
	if _, err := c.Cordon(ctx, node, true); err != nil {
		return err
	}
	fmt.Fprintf(out, "node/%s cordoned\n", node)
	evicted := map[string]bool{}
	retryAt := map[string]time.Time{}
	// left and refused are what the last look at the node found; when
	// ctx ends, even in the middle of a request, the error reports them.
	var left, refused []string
	gaveUp := func(err error) error {
		if ctx.Err() == nil {
			return err
		}
		if len(refused) > 0 {
			slices.Sort(refused)
			return fmt.Errorf("drain %s: %d pods still on the node, their disruption budgets refuse to evict %s: %w", node, len(left), strings.Join(refused, ", "), ctx.Err())
		}
		return fmt.Errorf("drain %s: %d pods still on the node: %w", node, len(left), ctx.Err())
	}
	for {
		pods, err := c.List(ctx, "pods", "", "")
		if err != nil {
			return gaveUp(err)
		}
		var nowLeft, nowRefused []string
		for _, o := range pods {
			p := o.(*api.Pod)
			if p.Spec.NodeName != node || ownedByKind(p, "DaemonSet") {
				continue
			}
			ref := p.Namespace + "/" + p.Name
			nowLeft = append(nowLeft, ref)
			id := ref + "/" + p.UID
			if evicted[id] {
				continue
			}
			if at, ok := retryAt[id]; ok && time.Now().Before(at) {
				nowRefused = append(nowRefused, ref)
				continue
			}
			ok, err := removePod(ctx, c, p, opts, out)
			if err != nil {
				return gaveUp(err)
			}
			if !ok {
				retryAt[id] = time.Now().Add(opts.retry)
				nowRefused = append(nowRefused, ref)
				continue
			}
			delete(retryAt, id)
			evicted[id] = true
		}
		left, refused = nowLeft, nowRefused
		if len(left) == 0 {
			fmt.Fprintf(out, "node/%s drained\n", node)
			return nil
		}
		select {
		case <-ctx.Done():
			return gaveUp(ctx.Err())
		case <-time.After(opts.poll):
		}
	}
}

// removePod evicts p (or deletes it with opts.disableEviction). It
// reports false, after printing why, when p's disruption budget refuses
// for now.
func removePod(ctx context.Context, c *client.Client, p *api.Pod, opts drainOptions, out io.Writer) (bool, error) {
	if opts.disableEviction {
		err := c.DeleteWith(ctx, "pods", p.Namespace, p.Name, client.DeleteOptions{})
		if err != nil && !client.IsNotFound(err) {
			return false, fmt.Errorf("delete pod %s/%s: %w", p.Namespace, p.Name, err)
		}
		fmt.Fprintf(out, "deleting pod %s/%s\n", p.Namespace, p.Name)
		return true, nil
	}
	err := c.Evict(ctx, p.Namespace, p.Name)
	switch {
	case client.IsTooManyRequests(err):
		fmt.Fprintf(out, "error when evicting pod %s/%s (will retry after %s): %v\n", p.Namespace, p.Name, opts.retry, err)
		return false, nil
	case err != nil && !client.IsNotFound(err):
		return false, fmt.Errorf("evict pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	fmt.Fprintf(out, "evicting pod %s/%s\n", p.Namespace, p.Name)
	return true, nil
}
