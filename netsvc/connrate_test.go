package netsvc

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/netnstest"
)

// shortConnections opens n connections to addr from the namespace at
// netnsPath, 16 at a time, each read to the server's close, and returns
// how many failed and the first error.
func shortConnections(netnsPath, addr string, n int) (int, error) {
	var next, failed atomic.Int64
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		failed.Add(1)
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			err := netnstest.InNetNS(netnsPath, func() error {
				for next.Add(1) <= int64(n) {
					c, err := net.DialTimeout("tcp4", addr, 2*time.Second)
					if err != nil {
						fail(err)
						continue
					}
					if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
						fail(err)
					} else if _, err := io.Copy(io.Discard, c); err != nil {
						fail(err)
					}
					_ = c.Close()
				}
				return nil
			})
			if err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	return int(failed.Load()), first
}

// tcpExt reads a TcpExt counter of the namespace at netnsPath.
func tcpExt(netnsPath, name string) (int, error) {
	var v int
	err := netnstest.InNetNS(netnsPath, func() error {
		// thread-self: /proc/self/net is the main thread's namespace.
		f, err := os.Open("/proc/thread-self/net/netstat")
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		var names []string
		s := bufio.NewScanner(f)
		for s.Scan() {
			fields := strings.Fields(s.Text())
			if len(fields) == 0 || fields[0] != "TcpExt:" {
				continue
			}
			if names == nil {
				names = fields
				continue
			}
			for i, f := range names {
				if f == name && i < len(fields) {
					v, err = strconv.Atoi(fields[i])
					return err
				}
			}
			return fmt.Errorf("no TcpExt %s in /proc/net/netstat", name)
		}
		if err := s.Err(); err != nil {
			return err
		}
		return fmt.Errorf("no TcpExt lines in /proc/net/netstat")
	})
	return v, err
}

// TestShortConnectionsThroughClusterIP opens thousands of short
// connections through a cluster IP, from a pod on the other node
// (DNAT only) and from the other node itself (DNAT and masquerade), with
// the clients' ephemeral port range narrowed so that every port is
// reused several times while the server still holds its TIME_WAIT and
// conntrack its entries: no SYN may need a retransmission (a dropped
// SYN costs a client a second).
func TestShortConnectionsThroughClusterIP(t *testing.T) {
	n1 := newClusterNode(t, "n1", "10.99.0.1", "10.42.1.0/24")
	n2 := newClusterNode(t, "n2", "10.99.0.2", "10.42.2.0/24")
	connect(t, n1.testNode, n2.testNode, "10.99.0.1/24", "10.99.0.2/24")
	n1.sync(t, n1.peer(), n2.peer())
	n2.sync(t, n1.peer(), n2.peer())
	srv, cli := n1.setup(t, "server"), n2.setup(t, "client")
	port := uint16(serveWhoAmI(t, srv.NetNSPath)) // writes a line and closes first, keeping the TIME_WAIT
	spec := svcSpec{name: "web", clusterIP: "10.43.0.10", port: 80,
		backends: []placed{{backend{name: "s", tcp: port, netns: srv.NetNSPath, address: srv.IP.String()}, "n1"}}}
	n1.syncServices(t, spec.forNode("n1"))
	n2.syncServices(t, spec.forNode("n2"))

	const ports, conns = 1000, 4000
	tests := []struct {
		name string
		from string
	}{
		{"from a pod on another node", cli.NetNSPath},
		{"from another node", n2.Path()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := netnstest.InNetNS(tt.from, func() error {
				return os.WriteFile("/proc/sys/net/ipv4/ip_local_port_range", []byte("40000 40999"), 0o644)
			}); err != nil {
				t.Fatalf("narrow the ephemeral ports to %d: %v", ports, err)
			}
			before, err := tcpExt(tt.from, "TCPSynRetrans")
			if err != nil {
				t.Fatal(err)
			}
			failed, first := shortConnections(tt.from, "10.43.0.10:80", conns)
			if failed != 0 {
				t.Errorf("%d of %d connections failed, first: %v", failed, conns, first)
			}
			after, err := tcpExt(tt.from, "TCPSynRetrans")
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("%d of %d connects retransmitted their SYN, want none", after-before, conns)
			}
		})
	}
}
