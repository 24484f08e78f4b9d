package netsvc

import (
	"net/netip"

	"sigs.k8s.io/knftables"
)

// tableName is Shoal's nftables table (family ip). Table owns it whole.
const tableName = "shoal"

// Base chains: they hook into the kernel. A base chain keeps its name,
// hook and priority across versions ("add chain" cannot change a hook, so
// a new hook needs a new name).
const (
	chainPostrouting      = "postrouting"             // nat srcnat: masquerade
	chainForward          = "forward"                 // filter: accept pod traffic, refuse unDNATed service IPs
	chainNATPrerouting    = "nat-prerouting"          // nat dstnat: services, for traffic arriving
	chainNATOutput        = "nat-output"              // nat dstnat: services, for this node's processes
	chainFilterInput      = "filter-input"            // filter: refuse node ports and addresses of this node without endpoints
	chainFilterOutput     = "filter-output"           // filter dstnat-10: the same for this node
	chainFilterOutputPost = "filter-output-post-dnat" // filter dstnat+10: refuse unDNATed service IPs
)

// Regular chains every table has.
const (
	chainServices     = "services"            // the two service vmaps
	chainNoEndpoints  = "no-endpoints"        // the two no-endpoint vmaps
	chainMarkMasq     = "mark-for-masquerade" // sets masqMark
	chainReject       = "reject-chain"        // refuse: ICMP port unreachable, which TCP reports as ECONNREFUSED
	comment           = "Shoal pod and service networking; written by the agent"
	masqMark          = "0x4000"
	localhostExcluded = "ip daddr != 127.0.0.0/8"
)

// Verdict maps: one lookup per packet whatever the number of services.
const (
	mapServiceIPs      = "service-ips"           // cluster, external and load-balancer IP . proto . port → goto svc-/ext- chain
	mapServicePorts    = "service-nodeports"     // proto . node port → goto ext- chain, for this node's addresses
	mapNoEndpointIPs   = "no-endpoint-services"  // IP . proto . port → goto reject, or drop
	mapNoEndpointPorts = "no-endpoint-nodeports" // proto . node port → goto reject, or drop
)

// base is the part of the table that does not depend on services.
type base struct {
	chains []*knftables.Chain // hooked and regular, in creation order
	rules  map[string][]string
	maps   []*knftables.Map
}

func hooked(name string, typ knftables.BaseChainType, hook knftables.BaseChainHook, prio knftables.BaseChainPriority, comment string) *knftables.Chain {
	return &knftables.Chain{Name: name, Type: &typ, Hook: &hook, Priority: &prio, Comment: &comment}
}

// baseTable is the fixed part of the table for the cluster and service
// ranges.
func baseTable(cluster, service netip.Prefix) base {
	c, s := cluster.String(), service.String()
	ipPortKey := "ipv4_addr . inet_proto . inet_service : verdict"
	portKey := "inet_proto . inet_service : verdict"
	return base{
		chains: []*knftables.Chain{
			hooked(chainPostrouting, knftables.NATType, knftables.PostroutingHook, knftables.SNATPriority, "masquerade"),
			hooked(chainForward, knftables.FilterType, knftables.ForwardHook, knftables.FilterPriority, "forward pod traffic"),
			hooked(chainNATPrerouting, knftables.NATType, knftables.PreroutingHook, knftables.DNATPriority, "services"),
			hooked(chainNATOutput, knftables.NATType, knftables.OutputHook, knftables.DNATPriority, "services for this node"),
			hooked(chainFilterInput, knftables.FilterType, knftables.InputHook, knftables.FilterPriority, "refuse services without endpoints"),
			hooked(chainFilterOutput, knftables.FilterType, knftables.OutputHook, knftables.DNATPriority+"-10", "refuse services without endpoints"),
			hooked(chainFilterOutputPost, knftables.FilterType, knftables.OutputHook, knftables.DNATPriority+"+10", "refuse unknown service addresses"),
			{Name: chainServices},
			{Name: chainNoEndpoints},
			{Name: chainMarkMasq},
			{Name: chainReject},
		},
		rules: map[string][]string{
			chainPostrouting: {
				"meta mark & " + masqMark + " != 0 masquerade",
				"ip saddr " + c + " ip daddr != " + c + " masquerade",
			},
			chainForward: {
				"ct state new jump " + chainNoEndpoints,
				// A packet still addressed to a service IP here was not
				// DNATed: no such service or port.
				"ip daddr " + s + " goto " + chainReject,
				"ip saddr " + c + " accept",
				"ip daddr " + c + " accept",
			},
			chainNATPrerouting:    {"jump " + chainServices},
			chainNATOutput:        {"jump " + chainServices},
			chainFilterInput:      {"ct state new jump " + chainNoEndpoints},
			chainFilterOutput:     {"ct state new jump " + chainNoEndpoints},
			chainFilterOutputPost: {"ip daddr " + s + " goto " + chainReject},
			chainServices: {
				"ip daddr . meta l4proto . th dport vmap @" + mapServiceIPs,
				"fib daddr type local " + localhostExcluded + " meta l4proto . th dport vmap @" + mapServicePorts,
			},
			chainNoEndpoints: {
				"ip daddr . meta l4proto . th dport vmap @" + mapNoEndpointIPs,
				"fib daddr type local " + localhostExcluded + " meta l4proto . th dport vmap @" + mapNoEndpointPorts,
			},
			chainMarkMasq: {"meta mark set meta mark | " + masqMark},
			chainReject:   {"meta l4proto tcp reject with tcp reset", "reject"},
		},
		maps: []*knftables.Map{
			{Name: mapServiceIPs, Type: ipPortKey, Comment: knftables.PtrTo("cluster, external and load-balancer IPs")},
			{Name: mapServicePorts, Type: portKey, Comment: knftables.PtrTo("node ports")},
			{Name: mapNoEndpointIPs, Type: ipPortKey, Comment: knftables.PtrTo("service addresses without endpoints")},
			{Name: mapNoEndpointPorts, Type: portKey, Comment: knftables.PtrTo("node ports without endpoints")},
		},
	}
}
