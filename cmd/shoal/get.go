package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

func newGetCmd(g *globals) *cobra.Command {
	var output, selector string
	var watch bool
	cmd := &cobra.Command{
		Use:   "get KIND[,KIND...]|all [NAME...] | KIND/NAME... [-w]",
		Short: "List objects of one or more kinds, or show some",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := parseGetArgs(args)
			if err != nil {
				return err
			}
			switch output {
			case "", "wide", "json", "yaml", "name":
			default:
				return fmt.Errorf("-o %q: want wide, json, yaml or name", output)
			}
			if watch {
				if len(targets) != 1 {
					return fmt.Errorf("-w watches one kind at a time")
				}
				c, err := g.connect()
				if err != nil {
					return err
				}
				ctx, cancel := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
				defer cancel()
				return g.watchGet(ctx, c, cmd.OutOrStdout(), targets[0], output, selector)
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				if len(targets) == 1 {
					return g.getOne(ctx, cmd, c, targets[0], output, selector)
				}
				return g.getMany(ctx, cmd, c, targets, output, selector)
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: wide, json, yaml or name")
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "label selector, e.g. app=web,tier!=db")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "after the list, print a row for every change, until interrupted")
	addNamespaceFlags(cmd, g)
	return cmd
}

// getOne prints the objects of one kind: the named ones, or all.
func (g *globals) getOne(ctx context.Context, cmd *cobra.Command, c *client.Client, t getTarget, output, selector string) error {
	kind, out := t.kind, cmd.OutOrStdout()
	if len(t.names) > 0 {
		objs, err := g.fetch(ctx, c, t, selector)
		if err != nil {
			return err
		}
		return printObjects(out, kind, objs, output, false, len(objs) == 1)
	}
	ns := g.listNamespace(kind)
	objs, err := g.fetch(ctx, c, t, selector)
	if err != nil {
		return err
	}
	if len(objs) == 0 && (output == "" || output == "wide") {
		if kind.Namespaced && !g.allNS {
			fmt.Fprintf(cmd.ErrOrStderr(), "No %s found in namespace %s.\n", kind.Plural, ns)
		} else {
			fmt.Fprintf(cmd.ErrOrStderr(), "No %s found.\n", kind.Plural)
		}
		return nil
	}
	return printObjects(out, kind, objs, output, g.allNS && kind.Namespaced, false)
}

// getMany prints the objects of several kinds as kubectl does: a table per
// kind that has any, names written KIND/NAME; one List for json or yaml.
func (g *globals) getMany(ctx context.Context, cmd *cobra.Command, c *client.Client, targets []getTarget, output, selector string) error {
	out := cmd.OutOrStdout()
	var all []api.Object
	printed := false
	for _, t := range targets {
		objs, err := g.fetch(ctx, c, t, selector)
		if err != nil {
			return err
		}
		if len(objs) == 0 {
			continue
		}
		switch output {
		case "json", "yaml":
			all = append(all, objs...)
			continue
		case "name":
			if err := printObjects(out, t.kind, objs, output, false, false); err != nil {
				return err
			}
			continue
		}
		if printed {
			fmt.Fprintln(out)
		}
		printed = true
		if err := printTableAs(out, t.kind, objs, output == "wide", g.allNS && t.kind.Namespaced, strings.ToLower(t.kind.Name)+"/"); err != nil {
			return err
		}
	}
	switch {
	case output == "json" || output == "yaml":
		return printObjects(out, nil, all, output, false, false)
	case !printed && output != "name":
		if g.allNS {
			fmt.Fprintln(cmd.ErrOrStderr(), "No resources found.")
		} else {
			fmt.Fprintf(cmd.ErrOrStderr(), "No resources found in namespace %s.\n", g.objectNamespace(true))
		}
	}
	return nil
}

// listNamespace is the namespace get lists kind in: "" for every namespace.
func (g *globals) listNamespace(kind *api.Kind) string {
	if g.allNS {
		return ""
	}
	return g.objectNamespace(kind.Namespaced)
}

// fetch reads a target's objects: the named ones (an error if one is
// missing), or those the selector matches.
func (g *globals) fetch(ctx context.Context, c *client.Client, t getTarget, selector string) ([]api.Object, error) {
	if len(t.names) == 0 {
		return c.List(ctx, t.kind.Plural, g.listNamespace(t.kind), selector)
	}
	var objs []api.Object
	for _, name := range t.names {
		obj, err := c.Get(ctx, t.kind.Plural, g.objectNamespace(t.kind.Namespaced), name)
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

func newDescribeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "describe KIND [NAME]",
		Short: "Show objects in detail",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := lookupKind(args[0])
			if err != nil {
				return err
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				var objs []api.Object
				if len(args) == 2 {
					obj, err := c.Get(ctx, kind.Plural, g.objectNamespace(kind.Namespaced), args[1])
					if err != nil {
						return err
					}
					objs = []api.Object{obj}
				} else {
					ns := g.objectNamespace(kind.Namespaced)
					if g.allNS {
						ns = ""
					}
					if objs, err = c.List(ctx, kind.Plural, ns, ""); err != nil {
						return err
					}
				}
				for i, obj := range objs {
					if i > 0 {
						fmt.Fprintln(cmd.OutOrStdout())
					}
					if err := describeObject(ctx, cmd.OutOrStdout(), c, obj); err != nil {
						return err
					}
					if err := describeEvents(ctx, cmd.OutOrStdout(), c, obj); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	addNamespaceFlags(cmd, g)
	return cmd
}

// objectNamespace is the namespace a verb acts in.
func (g *globals) objectNamespace(namespaced bool) string {
	if !namespaced {
		return ""
	}
	if g.namespace != "" {
		return g.namespace
	}
	return "default"
}

func lookupKind(name string) (*api.Kind, error) {
	k, ok := api.LookupKind(name)
	if !ok {
		var names []string
		for _, k := range api.Kinds() {
			names = append(names, k.Plural)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("unknown kind %q; known: %s", name, strings.Join(names, ", "))
	}
	return k, nil
}

// printObjects prints objects in the chosen output format.
func printObjects(w io.Writer, kind *api.Kind, objs []api.Object, output string, withNS, single bool) error {
	switch output {
	case "json":
		if single {
			return writeJSON(w, objs[0])
		}
		return writeJSON(w, listOf(objs))
	case "yaml":
		var v any = listOf(objs)
		if single {
			v = objs[0]
		}
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case "name":
		for _, o := range objs {
			fmt.Fprintf(w, "%s/%s\n", strings.ToLower(kind.Name), o.GetObjectMeta().Name)
		}
		return nil
	}
	return printTable(w, kind, objs, output == "wide", withNS)
}

func listOf(objs []api.Object) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "List", "items": objs}
}

// describeObject prints one object for humans: services and ingresses
// their own way (with their endpoints), every other kind with describe.
func describeObject(ctx context.Context, w io.Writer, c *client.Client, obj api.Object) error {
	switch o := obj.(type) {
	case *api.Ingress:
		return describeIngress(w, o, backendLookup(ctx, c, o.Namespace))
	case *api.Deployment:
		return describeDeployment(w, o)
	case *api.PodDisruptionBudget:
		return describePDB(w, o)
	case *api.Pod:
		return describePod(w, o, time.Now())
	case *api.PersistentVolumeClaim:
		pods, err := listPods(ctx, c, o.Namespace, "")
		if err != nil {
			return fmt.Errorf("pods of namespace %s: %w", o.Namespace, err)
		}
		describeClaim(w, o, pods)
		return nil
	case *api.Node:
		pods, err := listPods(ctx, c, "", "")
		if err != nil {
			return fmt.Errorf("pods of node %s: %w", o.Name, err)
		}
		return describeNode(w, o, pods)
	}
	svc, ok := obj.(*api.Service)
	if !ok {
		return describe(w, obj)
	}
	var ep *api.Endpoints
	o, err := c.Get(ctx, "endpoints", svc.Namespace, svc.Name)
	switch {
	case err == nil:
		ep, _ = o.(*api.Endpoints)
	case !client.IsNotFound(err):
		return fmt.Errorf("endpoints of service %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	describeService(w, svc, ep)
	return nil
}

// describe prints one object for humans: metadata, then spec and status.
func describe(w io.Writer, obj api.Object) error {
	m := obj.GetObjectMeta()
	fmt.Fprintf(w, "Name:         %s\n", m.Name)
	if m.Namespace != "" {
		fmt.Fprintf(w, "Namespace:    %s\n", m.Namespace)
	}
	fmt.Fprintf(w, "Kind:         %s\n", obj.GetTypeMeta().Kind)
	fmt.Fprintf(w, "Labels:       %s\n", mapString(m.Labels))
	fmt.Fprintf(w, "Annotations:  %s\n", mapString(m.Annotations))
	if m.CreationTimestamp != nil {
		fmt.Fprintf(w, "Created:      %s (%s ago)\n", m.CreationTimestamp.Format("2006-01-02 15:04:05 MST"), age(m.CreationTimestamp))
	}
	fmt.Fprintf(w, "UID:          %s\n", m.UID)
	fmt.Fprintf(w, "Version:      %s (generation %d)\n", m.ResourceVersion, m.Generation)
	b, err := yaml.Marshal(obj)
	if err != nil {
		return err
	}
	var body map[string]any
	if err := yaml.Unmarshal(b, &body); err != nil {
		return err
	}
	delete(body, "metadata")
	delete(body, "apiVersion")
	delete(body, "kind")
	if len(body) == 0 {
		return nil
	}
	rest, err := yaml.Marshal(body)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimRight(string(rest), "\n"), "\n") {
		if line != "" && line[0] != ' ' && line[0] != '-' {
			// Top-level keys become section titles: "spec:" -> "Spec:".
			line = strings.ToUpper(line[:1]) + line[1:]
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

func mapString(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, "\n              ")
}

// describeEvents prints the events about obj, oldest first.
func describeEvents(ctx context.Context, w io.Writer, c *client.Client, obj api.Object) error {
	m := obj.GetObjectMeta()
	if m.Namespace == "" {
		return nil
	}
	objs, err := c.List(ctx, "events", m.Namespace, "")
	if err != nil {
		return err
	}
	var evs []*api.Event
	for _, o := range objs {
		if e := o.(*api.Event); e.InvolvedObject.UID == m.UID {
			evs = append(evs, e)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].LastTimestamp.Before(*evs[j].LastTimestamp) })
	fmt.Fprintln(w, "Events:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  TYPE\tREASON\tAGE\tFROM\tMESSAGE")
	for _, e := range evs {
		when := age(e.LastTimestamp)
		if e.Count > 1 {
			when = fmt.Sprintf("%s (x%d over %s)", when, e.Count, age(e.FirstTimestamp))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", e.Type, e.Reason, when, e.Source.Host, e.Message)
	}
	return tw.Flush()
}
