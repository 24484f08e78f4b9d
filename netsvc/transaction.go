package netsvc

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/knftables"
)

// Within one transaction, nft checks references as it goes: a chain, set
// or map can be deleted only once no rule or element points at it any
// more, and a rule or element can point only at what exists. So both kinds
// of transaction run in this order: delete elements of the global maps,
// flush chains and endpoint maps, delete maps, chains and sets, add sets,
// maps and chains, add rules, add elements.

// fullTx rewrites the whole table: what exists is flushed (affinity sets
// excepted, so clients keep their endpoint across an agent restart), what
// is no longer wanted deleted, and everything added again.
func (t *Table) fullTx(ctx context.Context, tx *knftables.Transaction, next map[string]*built, elems map[elemKey]string) error {
	have := map[string][]string{}
	for _, kind := range []string{"chains", "sets", "maps"} {
		names, err := t.nft.List(ctx, kind)
		if err != nil && !knftables.IsNotFound(err) {
			return fmt.Errorf("netsvc: list nftables %s: %w", kind, err)
		}
		slices.Sort(names)
		have[kind] = names
	}
	chains, sets, vmaps := wantedObjects(next)
	wantMap := map[string]bool{}
	tx.Add(&knftables.Table{Comment: knftables.PtrTo(comment)})
	for _, m := range t.base.maps {
		tx.Add(m)
		wantMap[m.Name] = true
	}
	for name := range vmaps {
		wantMap[name] = true
	}
	for _, c := range t.base.chains {
		tx.Add(c)
	}
	for _, name := range have["chains"] {
		tx.Flush(&knftables.Chain{Name: name})
	}
	for _, name := range have["maps"] {
		if wantMap[name] {
			tx.Flush(&knftables.Map{Name: name})
		} else {
			tx.Delete(&knftables.Map{Name: name})
		}
	}
	for _, name := range have["chains"] {
		if _, ok := chains[name]; !ok && !t.isBase(name) {
			tx.Delete(&knftables.Chain{Name: name})
		}
	}
	for _, name := range have["sets"] {
		if _, ok := sets[name]; !ok {
			tx.Delete(&knftables.Set{Name: name})
		}
	}
	addSets(tx, sets, sortedKeys(sets))
	mapNames := sortedKeys(vmaps)
	addVmaps(tx, mapNames)
	names := sortedKeys(chains)
	for _, name := range names {
		tx.Add(&knftables.Chain{Name: name})
	}
	for _, c := range t.base.chains {
		addRules(tx, c.Name, t.base.rules[c.Name])
	}
	for _, name := range names {
		addRules(tx, name, chains[name])
	}
	addVmapElems(tx, vmaps, mapNames)
	addElems(tx, elems, sortedKeysFunc(elems))
	return nil
}

// incrementalTx changes what differs between the last Sync and next.
func (t *Table) incrementalTx(tx *knftables.Transaction, next map[string]*built, elems map[elemKey]string) {
	var gone []elemKey
	for k, v := range t.elems {
		if nv, ok := elems[k]; !ok || nv != v {
			gone = append(gone, k)
		}
	}
	var added []elemKey
	for k, v := range elems {
		if ov, ok := t.elems[k]; !ok || ov != v {
			added = append(added, k)
		}
	}
	// Chains and sets of services that changed or left.
	var flush, delChains, delSets, newChains, flushMaps, delMaps, newMaps []string
	rewrite := map[string][]string{}
	newSets := map[string]time.Duration{}
	refill := map[string][]string{}
	for k, ob := range t.have {
		nb := next[k]
		if nb == ob {
			continue
		}
		for name, rules := range ob.chains {
			var nr []string
			ok := false
			if nb != nil {
				nr, ok = nb.chains[name]
			}
			switch {
			case !ok:
				flush, delChains = append(flush, name), append(delChains, name)
			case !slices.Equal(rules, nr):
				flush = append(flush, name)
				rewrite[name] = nr
			}
		}
		for name := range ob.sets {
			if _, ok := nb.setsOf()[name]; !ok {
				delSets = append(delSets, name)
			}
		}
		for name, verdicts := range ob.vmaps {
			nv, ok := nb.vmapsOf()[name]
			switch {
			case !ok:
				delMaps = append(delMaps, name)
			case !slices.Equal(verdicts, nv):
				flushMaps = append(flushMaps, name)
				refill[name] = nv
			}
		}
	}
	for k, nb := range next {
		ob := t.have[k]
		if nb == ob {
			continue
		}
		for name, rules := range nb.chains {
			if _, ok := ob.chainsOf()[name]; !ok {
				newChains = append(newChains, name)
				rewrite[name] = rules
			}
		}
		for name, d := range nb.sets {
			if _, ok := ob.setsOf()[name]; !ok {
				newSets[name] = d
			}
		}
		for name, verdicts := range nb.vmaps {
			if _, ok := ob.vmapsOf()[name]; !ok {
				newMaps = append(newMaps, name)
				refill[name] = verdicts
			}
		}
	}
	slices.SortFunc(gone, compareElemKey)
	for _, k := range gone {
		tx.Delete(&knftables.Element{Map: k.m, Key: strings.Split(k.key, " . ")})
	}
	slices.Sort(flush)
	for _, name := range flush {
		tx.Flush(&knftables.Chain{Name: name})
	}
	slices.Sort(flushMaps)
	for _, name := range flushMaps {
		tx.Flush(&knftables.Map{Name: name})
	}
	slices.Sort(delMaps)
	for _, name := range delMaps {
		tx.Delete(&knftables.Map{Name: name})
	}
	slices.Sort(delChains)
	for _, name := range delChains {
		tx.Delete(&knftables.Chain{Name: name})
	}
	slices.Sort(delSets)
	for _, name := range delSets {
		tx.Delete(&knftables.Set{Name: name})
	}
	addSets(tx, newSets, sortedKeys(newSets))
	slices.Sort(newMaps)
	addVmaps(tx, newMaps)
	slices.Sort(newChains)
	for _, name := range newChains {
		tx.Add(&knftables.Chain{Name: name})
	}
	for _, name := range sortedKeys(rewrite) {
		addRules(tx, name, rewrite[name])
	}
	addVmapElems(tx, refill, sortedKeys(refill))
	slices.SortFunc(added, compareElemKey)
	addElems(tx, elems, added)
}

// chainsOf and setsOf are b's chains and sets; none for nil.
func (b *built) chainsOf() map[string][]string {
	if b == nil {
		return nil
	}
	return b.chains
}

func (b *built) setsOf() map[string]time.Duration {
	if b == nil {
		return nil
	}
	return b.sets
}

func (b *built) vmapsOf() map[string][]string {
	if b == nil {
		return nil
	}
	return b.vmaps
}

func (t *Table) isBase(name string) bool {
	return slices.ContainsFunc(t.base.chains, func(c *knftables.Chain) bool { return c.Name == name })
}

// wantedObjects gathers every service's chains, sets and endpoint maps.
func wantedObjects(next map[string]*built) (chains map[string][]string, sets map[string]time.Duration, vmaps map[string][]string) {
	chains, sets, vmaps = map[string][]string{}, map[string]time.Duration{}, map[string][]string{}
	for _, b := range next {
		maps.Copy(chains, b.chains)
		maps.Copy(sets, b.sets)
		maps.Copy(vmaps, b.vmaps)
	}
	return chains, sets, vmaps
}

// addVmaps adds endpoint-choosing maps: random number → goto endpoint.
func addVmaps(tx *knftables.Transaction, names []string) {
	for _, name := range names {
		tx.Add(&knftables.Map{Name: name, TypeOf: "numgen random mod 1 : verdict"})
	}
}

func addVmapElems(tx *knftables.Transaction, vmaps map[string][]string, names []string) {
	for _, name := range names {
		for i, v := range vmaps[name] {
			tx.Add(&knftables.Element{Map: name, Key: []string{strconv.Itoa(i)}, Value: []string{v}})
		}
	}
}

func addSets(tx *knftables.Transaction, sets map[string]time.Duration, names []string) {
	for _, name := range names {
		tx.Add(&knftables.Set{
			Name:    name,
			Type:    "ipv4_addr",
			Flags:   []knftables.SetFlag{knftables.DynamicFlag, knftables.TimeoutFlag},
			Timeout: knftables.PtrTo(sets[name]),
		})
	}
}

func addRules(tx *knftables.Transaction, chain string, rules []string) {
	for _, r := range rules {
		tx.Add(&knftables.Rule{Chain: chain, Rule: r})
	}
}

func addElems(tx *knftables.Transaction, elems map[elemKey]string, keys []elemKey) {
	for _, k := range keys {
		tx.Add(&knftables.Element{Map: k.m, Key: strings.Split(k.key, " . "), Value: []string{elems[k]}})
	}
}

func compareElemKey(a, b elemKey) int {
	if c := strings.Compare(a.m, b.m); c != 0 {
		return c
	}
	return strings.Compare(a.key, b.key)
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func sortedKeysFunc(m map[elemKey]string) []elemKey {
	return slices.SortedFunc(maps.Keys(m), compareElemKey)
}
