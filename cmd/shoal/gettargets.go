package main

import (
	"fmt"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// getTarget is one kind `get` shows, and the names asked for (none: all).
type getTarget struct {
	kind  *api.Kind
	names []string
}

// allKinds are the kinds `get all` shows, as kubectl's "all" category;
// kinds this build does not have are skipped.
var allKinds = []string{"pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets", "jobs", "cronjobs"}

// parseGetArgs reads get's arguments as kubectl does: "KIND [NAME...]",
// "KIND,KIND... [NAME...]", "all", or "KIND/NAME [KIND/NAME...]".
func parseGetArgs(args []string) ([]getTarget, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("want a kind, e.g. get pods, get deploy,svc or get deploy/web")
	}
	if strings.Contains(args[0], "/") {
		var out []getTarget
		byKind := map[string]int{}
		for _, a := range args {
			k, name, ok := strings.Cut(a, "/")
			if !ok || k == "" || name == "" || strings.Contains(name, "/") {
				return nil, fmt.Errorf("%q: want KIND/NAME (every argument in that form once one is)", a)
			}
			kind, err := lookupKind(k)
			if err != nil {
				return nil, err
			}
			i, seen := byKind[kind.Name]
			if !seen {
				i = len(out)
				byKind[kind.Name] = i
				out = append(out, getTarget{kind: kind})
			}
			out[i].names = append(out[i].names, name)
		}
		return out, nil
	}
	var out []getTarget
	seen := map[string]bool{}
	add := func(k *api.Kind) {
		if !seen[k.Name] {
			seen[k.Name] = true
			out = append(out, getTarget{kind: k, names: args[1:]})
		}
	}
	for _, k := range strings.Split(args[0], ",") {
		if k == "all" {
			for _, a := range allKinds {
				if kind, ok := api.LookupKind(a); ok {
					add(kind)
				}
			}
			continue
		}
		kind, err := lookupKind(k)
		if err != nil {
			return nil, err
		}
		add(kind)
	}
	return out, nil
}
