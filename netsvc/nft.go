package netsvc

import (
	"context"
	"fmt"
	"net/netip"

	"sigs.k8s.io/knftables"
)

// tableName is Shoal's nftables table (family ip). Shoal owns it whole:
// every sync flushes it and writes it again in one transaction.
const tableName = "shoal"

// Base chains of the table.
const (
	chainPostrouting = "postrouting"
	chainForward     = "forward"
)

// tableSpec is what the table must hold. Later features (service NAT) add
// fields here and their chains in buildTable.
type tableSpec struct {
	cluster netip.Prefix
}

// buildTable writes the whole table into tx: the table itself, flushed,
// then every part. Base chains keep their name, hook and priority across
// versions: "add chain" cannot change a hook, so a new hook needs a new
// chain name.
func buildTable(tx *knftables.Transaction, spec tableSpec) {
	tx.Add(&knftables.Table{Comment: knftables.PtrTo("Shoal pod networking; rebuilt by the agent")})
	tx.Flush(&knftables.Table{})
	addBase(tx, spec.cluster)
}

// addBase adds the pod-network chains: masquerade for pods reaching
// outside the cluster, and acceptance of pod traffic in the forward hook.
func addBase(tx *knftables.Transaction, cluster netip.Prefix) {
	tx.Add(&knftables.Chain{
		Name:     chainPostrouting,
		Type:     knftables.PtrTo(knftables.NATType),
		Hook:     knftables.PtrTo(knftables.PostroutingHook),
		Priority: knftables.PtrTo(knftables.SNATPriority),
		Comment:  knftables.PtrTo("masquerade pods leaving the cluster"),
	})
	tx.Add(&knftables.Chain{
		Name:     chainForward,
		Type:     knftables.PtrTo(knftables.FilterType),
		Hook:     knftables.PtrTo(knftables.ForwardHook),
		Priority: knftables.PtrTo(knftables.FilterPriority),
		Comment:  knftables.PtrTo("forward pod traffic"),
	})
	c := cluster.String()
	tx.Add(&knftables.Rule{Chain: chainPostrouting, Rule: knftables.Concat("ip saddr", c, "ip daddr !=", c, "masquerade")})
	tx.Add(&knftables.Rule{Chain: chainForward, Rule: knftables.Concat("ip saddr", c, "accept")})
	tx.Add(&knftables.Rule{Chain: chainForward, Rule: knftables.Concat("ip daddr", c, "accept")})
}

// syncTable rebuilds the table in one transaction.
func (r *Routes) syncTable(ctx context.Context) error {
	if r.nft == nil {
		nft, err := knftables.New(knftables.IPv4Family, tableName)
		if err != nil {
			return fmt.Errorf("netsvc: nftables: %w", err)
		}
		r.nft = nft
	}
	tx := r.nft.NewTransaction()
	buildTable(tx, tableSpec{cluster: r.cfg.cluster})
	if err := r.nft.Run(ctx, tx); err != nil {
		return fmt.Errorf("netsvc: write nftables table %s: %w", tableName, err)
	}
	return nil
}

// deleteTable removes the table; nil if it is not there.
func (r *Routes) deleteTable(ctx context.Context) error {
	if r.nft == nil {
		return nil // never written
	}
	tx := r.nft.NewTransaction()
	tx.Delete(&knftables.Table{})
	if err := r.nft.Run(ctx, tx); err != nil && !knftables.IsNotFound(err) {
		return fmt.Errorf("netsvc: delete nftables table %s: %w", tableName, err)
	}
	return nil
}
