// Package forward answers the DNS names a cluster does not own by forwarding
// them to upstream resolvers, with a bounded cache in front.
//
// A [Forwarder] sends each question to the upstreams of the longest matching
// stub domain in [Config.Domains], or to [Config.Upstreams] otherwise, over UDP
// first and over TCP when the UDP answer is truncated. An upstream that fails
// is tried last for a while; when every upstream fails the client gets
// SERVFAIL. Identical questions asked at the same time go upstream once.
// Answers are cached by (name, type, class, DO and CD bits): positive answers
// for the smallest TTL of their answer section, negative answers (NXDOMAIN and
// NODATA) for the SOA minimum as RFC 2308 says, both clamped to
// [Config.MinTTL, Config.MaxTTL]; TTLs count down in the answers served from
// the cache.
//
// [HostUpstreams] finds the host's resolvers the way kubelet does: from
// /etc/resolv.conf, or from systemd-resolved's list when resolv.conf names only
// a loopback stub such as 127.0.0.53.
package forward
