package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// parseMetadataArgs reads label's and annotate's arguments as kubectl
// does: KIND NAME or KIND/NAME, then KEY=VALUE to set and KEY- to remove.
func parseMetadataArgs(args []string) (kind *api.Kind, name string, changes map[string]*string, err error) {
	if len(args) == 0 {
		return nil, "", nil, fmt.Errorf("want KIND NAME KEY=VALUE (or KIND/NAME KEY=VALUE), then more changes")
	}
	var rest []string
	if k, n, ok := strings.Cut(args[0], "/"); ok {
		kind, err = lookupKind(k)
		name, rest = n, args[1:]
	} else {
		if len(args) < 2 {
			return nil, "", nil, fmt.Errorf("want KIND NAME KEY=VALUE, or KIND/NAME KEY=VALUE")
		}
		kind, err = lookupKind(args[0])
		name, rest = args[1], args[2:]
	}
	if err != nil {
		return nil, "", nil, err
	}
	if name == "" {
		return nil, "", nil, fmt.Errorf("name is empty")
	}
	if len(rest) == 0 {
		return nil, "", nil, fmt.Errorf("want at least one KEY=VALUE or KEY-")
	}
	changes = map[string]*string{}
	for _, a := range rest {
		if k, v, ok := strings.Cut(a, "="); ok {
			if k == "" {
				return nil, "", nil, fmt.Errorf("%q: the key is empty", a)
			}
			changes[k] = &v
			continue
		}
		if k, ok := strings.CutSuffix(a, "-"); ok && k != "" {
			changes[k] = nil
			continue
		}
		return nil, "", nil, fmt.Errorf("%q: want KEY=VALUE to set or KEY- to remove", a)
	}
	return kind, name, changes, nil
}

// newMetadataCmd is `label` (annotations false) or `annotate` (true).
func newMetadataCmd(g *globals, annotations bool) *cobra.Command {
	verb, what := "label", "labels"
	if annotations {
		verb, what = "annotate", "annotations"
	}
	var overwrite bool
	cmd := &cobra.Command{
		Use:   verb + " KIND NAME|KIND/NAME KEY=VALUE... KEY-... [--overwrite]",
		Short: "Set (KEY=VALUE) or remove (KEY-) an object's " + what,
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, name, changes, err := parseMetadataArgs(args)
			if err != nil {
				return err
			}
			p := api.MetadataPatch{Overwrite: overwrite}
			if annotations {
				p.Annotations = changes
			} else {
				p.Labels = changes
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				ao, err := c.PatchMetadata(ctx, kind.Plural, g.objectNamespace(kind.Namespaced), name, p)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s/%s %s\n", strings.ToLower(kind.Name), name, ao.Action)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "change keys that already have another value")
	addNamespaceFlags(cmd, g)
	return cmd
}
