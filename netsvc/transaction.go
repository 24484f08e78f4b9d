package netsvc

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/knftables"
)

// Within one transaction, nft checks references as it goes: a chain or
// set can be deleted only once no rule or element points at it any more,
// and a rule or element can point only at what exists. So both kinds of
// transaction run in this order: delete elements, flush chains, delete
// chains and sets, add sets and chains, add rules, add elements.

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
	chains, sets := wantedObjects(next)
	wantMap := map[string]bool{}
	tx.Add(&knftables.Table{Comment: knftables.PtrTo(comment)})
	for _, m := range t.base.maps {
		tx.Add(m)
		wantMap[m.Name] = true
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
		}
	}
	for _, name := range have["maps"] {
		if !wantMap[name] {
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
	var flush, delChains, delSets, newChains []string
	rewrite := map[string][]string{}
	newSets := map[string]time.Duration{}
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
	}
	slices.SortFunc(gone, compareElemKey)
	for _, k := range gone {
		tx.Delete(&knftables.Element{Map: k.m, Key: strings.Split(k.key, " . ")})
	}
	slices.Sort(flush)
	for _, name := range flush {
		tx.Flush(&knftables.Chain{Name: name})
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
	slices.Sort(newChains)
	for _, name := range newChains {
		tx.Add(&knftables.Chain{Name: name})
	}
	for _, name := range sortedKeys(rewrite) {
		addRules(tx, name, rewrite[name])
	}
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

func (t *Table) isBase(name string) bool {
	return slices.ContainsFunc(t.base.chains, func(c *knftables.Chain) bool { return c.Name == name })
}

// wantedObjects gathers every service's chains and sets.
func wantedObjects(next map[string]*built) (map[string][]string, map[string]time.Duration) {
	chains := map[string][]string{}
	sets := map[string]time.Duration{}
	for _, b := range next {
		maps.Copy(chains, b.chains)
		maps.Copy(sets, b.sets)
	}
	return chains, sets
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
