package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// annotationChangeCause is kubectl's annotation for why a revision was made;
// `rollout history` shows it as CHANGE-CAUSE.
const annotationChangeCause = "kubernetes.io/change-cause"

// revision is one revision of a Deployment: a ReplicaSet it owns.
type revision struct {
	number int64
	rs     *api.ReplicaSet
}

// revisionsOf returns the revisions of dep among rss (the ReplicaSets dep
// owns, numbered by their revision annotation), oldest first.
func revisionsOf(dep *api.Deployment, rss []api.Object) []revision {
	var out []revision
	for _, o := range rss {
		rs, ok := o.(*api.ReplicaSet)
		if !ok || !ownedBy(rs.OwnerReferences, dep) {
			continue
		}
		n, err := strconv.ParseInt(rs.Annotations[api.AnnotationRevision], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, revision{number: n, rs: rs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].number < out[j].number })
	return out
}

func ownedBy(refs []api.OwnerReference, dep *api.Deployment) bool {
	for _, r := range refs {
		if r.Kind == "Deployment" && r.Name == dep.Name && (dep.UID == "" || r.UID == dep.UID) {
			return true
		}
	}
	return false
}

// printHistory prints the revisions as kubectl does, or with rev > 0 that
// revision's pod template.
func printHistory(w io.Writer, name string, revs []revision, rev int64) error {
	if rev > 0 {
		for _, r := range revs {
			if r.number == rev {
				fmt.Fprintf(w, "deployment/%s with revision #%d\n", name, rev)
				tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
				printTemplate(tw, &r.rs.Spec.Template)
				return tw.Flush()
			}
		}
		return fmt.Errorf("deployment/%s has no revision %d", name, rev)
	}
	fmt.Fprintf(w, "deployment/%s\n", name)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tCHANGE-CAUSE")
	for _, r := range revs {
		fmt.Fprintf(tw, "%d\t%s\n", r.number, orNone(r.rs.Annotations[annotationChangeCause]))
	}
	return tw.Flush()
}

// printTemplate prints the parts of a pod template that tell revisions
// apart: labels, annotations and each container's image, command and
// environment.
func printTemplate(w io.Writer, t *api.PodTemplateSpec) {
	fmt.Fprintln(w, "Pod Template:")
	fmt.Fprintf(w, "  Labels:\t%s\n", orNone(mapString(t.Labels)))
	if len(t.Annotations) > 0 {
		fmt.Fprintf(w, "  Annotations:\t%s\n", mapString(t.Annotations))
	}
	fmt.Fprintln(w, "  Containers:")
	for _, c := range t.Spec.Containers {
		fmt.Fprintf(w, "   %s:\n", c.Name)
		fmt.Fprintf(w, "    Image:\t%s\n", c.Image)
		if len(c.Command) > 0 {
			fmt.Fprintf(w, "    Command:\t%s\n", strings.Join(c.Command, " "))
		}
		if len(c.Args) > 0 {
			fmt.Fprintf(w, "    Args:\t%s\n", strings.Join(c.Args, " "))
		}
		for _, e := range c.Env {
			v := e.Value
			if e.ValueFrom != nil {
				v = "(from a reference)"
			}
			fmt.Fprintf(w, "    Env %s:\t%s\n", e.Name, v)
		}
	}
}

func newRolloutHistoryCmd(g *globals) *cobra.Command {
	var rev int64
	cmd := &cobra.Command{
		Use:   "history deployment/NAME [--revision N]",
		Short: "List a Deployment's revisions, or show one's pod template",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := deploymentRef(args, "history")
			if err != nil {
				return err
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				ns := g.objectNamespace(true)
				obj, err := c.Get(ctx, "deployments", ns, name)
				if err != nil {
					return err
				}
				rss, err := c.List(ctx, "replicasets", ns, "")
				if err != nil {
					return err
				}
				return printHistory(cmd.OutOrStdout(), name, revisionsOf(obj.(*api.Deployment), rss), rev)
			})
		},
	}
	cmd.Flags().Int64Var(&rev, "revision", 0, "show this revision's pod template")
	return cmd
}

// deploymentRef reads the deployment argument of `rollout VERB`
// (deployment/NAME or deployment NAME).
func deploymentRef(args []string, verb string) (string, error) {
	k, name, err := splitRef(args)
	if err != nil {
		return "", err
	}
	if k.Name != "Deployment" {
		return "", fmt.Errorf("rollout %s works on deployments, not %s", verb, k.Plural)
	}
	return name, nil
}
