package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// immediateWarning is what kubectl prints before a forced delete.
const immediateWarning = "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely."

func newDeleteCmd(g *globals) *cobra.Command {
	var (
		files   []string
		grace   int64
		force   bool
		wait    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "delete (-f FILE | KIND NAME)",
		Short: "Delete objects named by a manifest, or one object",
		Long: `Delete objects named by a manifest, or one object.

A pod that runs on a node is deleted gracefully, as in Kubernetes: it shows
Terminating while its node stops it (SIGTERM, then SIGKILL after the grace
period) and is gone once stopped. --grace-period replaces the pods' own
terminationGracePeriodSeconds; --force --grace-period 0 removes them at once.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, warn, err := deleteOptions(grace, force)
			if err != nil {
				return err
			}
			if warn {
				fmt.Fprintln(cmd.ErrOrStderr(), immediateWarning)
			}
			limit := requestTimeout
			if wait {
				limit = timeout
			}
			return g.call(cmd, limit, func(ctx context.Context, c *client.Client) error {
				var report []api.AppliedObject
				switch {
				case len(files) > 0 && len(args) == 0:
					manifest, err := readManifests(files, cmd.InOrStdin())
					if err != nil {
						return err
					}
					if report, err = c.DeleteManifestWith(ctx, manifest, g.namespace, opts); err != nil {
						return err
					}
				case len(files) == 0 && len(args) == 2:
					kind, err := lookupKind(args[0])
					if err != nil {
						return err
					}
					ns := g.objectNamespace(kind.Namespaced)
					if err := c.DeleteWith(ctx, kind.Plural, ns, args[1], opts); err != nil {
						return err
					}
					report = []api.AppliedObject{{Kind: kind.Name, Namespace: ns, Name: args[1], Action: "deleted"}}
				default:
					return fmt.Errorf("give either -f FILE or KIND NAME")
				}
				if wait {
					if err := waitGone(ctx, c, report); err != nil {
						return err
					}
				}
				printReport(cmd.OutOrStdout(), report)
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVarP(&files, "filename", "f", nil, "manifest file, directory or - for stdin")
	cmd.Flags().Int64Var(&grace, "grace-period", -1, "seconds a pod gets to stop (replaces its terminationGracePeriodSeconds); -1: each pod's own; 0 only with --force (immediate)")
	cmd.Flags().BoolVar(&force, "force", false, "remove pods at once, without waiting for their node to stop them (with --grace-period 0, the default with --force)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the objects are gone (pods: stopped by their node)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "with --wait, give up after this long")
	addNamespaceFlags(cmd, g)
	return cmd
}

// deleteOptions turns --grace-period and --force into a request, with
// kubectl's rules: -1 is each pod's own grace period; 0 without --force
// becomes 1 (a delete is never forced by accident); --force alone means 0.
// warn says a forced, immediate delete is asked for.
func deleteOptions(grace int64, force bool) (opts client.DeleteOptions, warn bool, err error) {
	if grace < -1 {
		return opts, false, fmt.Errorf("--grace-period %d: want -1 (each pod's own), 0 with --force (immediate) or a number of seconds", grace)
	}
	if grace == 0 && !force {
		grace = 1
	}
	if force && grace < 0 {
		grace = 0
	}
	if grace >= 0 {
		opts.GracePeriodSeconds = &grace
	}
	return opts, grace == 0, nil
}

// waitGone polls until every deleted object of report is gone: not found,
// or replaced by a new object of the same name (a StatefulSet pod).
func waitGone(ctx context.Context, c *client.Client, report []api.AppliedObject) error {
	for _, r := range report {
		k, ok := api.LookupKind(r.Kind)
		if r.Action != "deleted" || !ok {
			continue
		}
		uid := ""
		for {
			o, err := c.Get(ctx, k.Plural, r.Namespace, r.Name)
			switch {
			case client.IsNotFound(err):
			case err != nil && ctx.Err() == nil:
				return fmt.Errorf("wait for %s/%s to be gone: %w", strings.ToLower(k.Name), r.Name, err)
			case err == nil && uid != "" && o.GetObjectMeta().UID != uid:
			default:
				if err == nil && uid == "" {
					uid = o.GetObjectMeta().UID
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("wait for %s/%s to be gone: %w", strings.ToLower(k.Name), r.Name, ctx.Err())
				case <-time.After(250 * time.Millisecond):
				}
				continue
			}
			break
		}
	}
	return nil
}
