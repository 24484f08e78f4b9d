package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// watchFilter says which watch events `get -w` prints: the names asked
// for (none: all) and the objects the selector matches.
type watchFilter struct {
	names    []string
	selector *api.LabelSelector
}

func (f watchFilter) matches(obj api.Object) bool {
	m := obj.GetObjectMeta()
	if len(f.names) > 0 && !slices.Contains(f.names, m.Name) {
		return false
	}
	return f.selector == nil || f.selector.Matches(m.Labels)
}

// watchGet is `get -w`: the table as it is now, then, as kubectl does, a
// row for every change to a matching object (added, modified, deleted), in
// the same columns and without a header, until interrupted. The watch
// begins with the current objects, so nothing between the list and the
// watch is missed; those the list showed unchanged are not printed again.
func (g *globals) watchGet(ctx context.Context, c *client.Client, w io.Writer, t getTarget, output, selector string) error {
	var f watchFilter
	f.names = t.names
	if selector != "" {
		sel, err := api.ParseSelector(selector)
		if err != nil {
			return fmt.Errorf("-l %q: %w", selector, err)
		}
		f.selector = sel
	}
	switch output {
	case "", "wide", "name":
	default:
		return fmt.Errorf("-w prints tables or names; -o %s is not supported with it", output)
	}
	withNS := g.allNS && t.kind.Namespaced
	cols := tableColumns(t.kind, output == "wide", withNS, "")
	print := func(objs []api.Object, header bool) error {
		if output == "name" {
			return printObjects(w, t.kind, objs, output, false, false)
		}
		return printRows(w, cols, objs, header)
	}
	objs, err := g.fetch(ctx, c, t, selector)
	if err != nil {
		return err
	}
	if err := print(objs, true); err != nil {
		return err
	}
	// The watch starts with the current objects: skip those the list
	// printed as they are.
	listed := map[api.Key]string{}
	for _, o := range objs {
		listed[api.KeyOf(o)] = o.GetObjectMeta().ResourceVersion
	}
	ns := g.listNamespace(t.kind)
	var perr error
	err = c.Watch(ctx, ns, []string{t.kind.Plural}, func(ev api.WatchEvent) bool {
		if ev.Object.GetTypeMeta().Kind != t.kind.Name || !f.matches(ev.Object) {
			return true
		}
		if rv, ok := listed[api.KeyOf(ev.Object)]; ok && ev.Type != "DELETED" && rv == ev.Object.GetObjectMeta().ResourceVersion {
			return true
		}
		perr = print([]api.Object{ev.Object}, false)
		return perr == nil
	})
	if perr != nil {
		return perr
	}
	if ctx.Err() != nil {
		return nil // interrupted: the normal end of a watch
	}
	return err
}
