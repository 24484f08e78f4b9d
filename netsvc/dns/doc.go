// Package dnssvc answers the cluster's own DNS names (the Kubernetes
// DNS-based service discovery specification) from the neutral read view:
// services, headless endpoints, StatefulSet pod names, pod records, PTR
// records for ClusterIPs and headless endpoint IPs, ExternalName CNAMEs,
// dns-version, and the zone apex's SOA and NS.
//
// It owns the cluster zone and the reverse zones of the configured CIDRs,
// and nothing else: a name outside them is ErrNotOurs, which the Handler
// answers REFUSED today and a forwarder (netsvc/dns/forward) will take
// later. It must not import consensus, write to the cluster, or open
// sockets other than the listeners of Server.
package dnssvc
