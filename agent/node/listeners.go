package node

import (
	"fmt"
	"net"

	dnssvc "github.com/shoal-dev/shoal/netsvc/dns"
	"github.com/shoal-dev/shoal/netsvc/ingress"
)

// Listeners are the host-side sockets the node serves on: the DNS
// listener (--dns-addr) and the ingress listeners. The agent binds them
// before it joins the cluster, so a port it cannot have stops it with a
// clear error before it becomes a member, not later.
type Listeners struct {
	// DNS is the host-side DNS server's sockets; nil when off.
	DNS *dnssvc.Server
	// HTTP and HTTPS are the ingress proxy's; nil when off.
	HTTP, HTTPS net.Listener
}

// Bind opens the listeners dns and ing ask for.
func Bind(dns DNSConfig, ing IngressConfig) (*Listeners, error) {
	l := &Listeners{}
	var err error
	if dns.Addr != "" {
		if l.DNS, err = dnssvc.Listen(dns.Addr); err != nil {
			return nil, fmt.Errorf("dns on --dns-addr %s (--dns-addr \"\" turns it off): %w", dns.Addr, err)
		}
	}
	for _, x := range []struct {
		ln         *net.Listener
		addr, flag string
	}{{&l.HTTP, ing.Addr, "--ingress-addr"}, {&l.HTTPS, ing.TLSAddr, "--ingress-tls-addr"}} {
		if x.addr == "" {
			continue
		}
		if *x.ln, err = ingress.Listen(x.addr); err != nil {
			l.Close()
			return nil, fmt.Errorf("ingress on %s %s (%s \"\" turns it off): %w", x.flag, x.addr, x.flag, err)
		}
	}
	return l, nil
}

// Close releases listeners that will not be served.
func (l *Listeners) Close() {
	if l == nil {
		return
	}
	if l.DNS != nil {
		l.DNS.Close()
	}
	for _, ln := range []net.Listener{l.HTTP, l.HTTPS} {
		if ln != nil {
			_ = ln.Close() // the agent is giving up on it
		}
	}
}
