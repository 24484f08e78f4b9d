package netsvc

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/netnstest"
)

// backend is a test server in a pod: over TCP it answers every line with
// "NAME CLIENT-IP", keeping the connection open; over UDP it answers every
// datagram the same way.
type backend struct {
	name    string
	tcp     uint16
	udp     uint16
	netns   string
	address string // the pod's IP
}

func serveBackend(t testing.TB, name, netnsPath, podIP string) backend {
	t.Helper()
	var ln net.Listener
	var pc net.PacketConn
	if err := netnstest.InNetNS(netnsPath, func() error {
		var err error
		if ln, err = net.Listen("tcp4", ":0"); err != nil {
			return err
		}
		pc, err = net.ListenPacket("udp4", ":0")
		return err
	}); err != nil {
		t.Fatalf("listen in %s: %v", netnsPath, err)
	}
	t.Cleanup(func() { _ = ln.Close(); _ = pc.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				r := bufio.NewReader(c)
				for {
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
					if _, err := fmt.Fprintln(c, name, c.RemoteAddr().(*net.TCPAddr).IP); err != nil {
						return
					}
				}
			}()
		}
	}()
	go func() {
		buf := make([]byte, 1500)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(fmt.Appendf(nil, "%s %s\n", name, from.(*net.UDPAddr).IP), from)
		}
	}()
	return backend{
		name: name, netns: netnsPath, address: podIP,
		tcp: uint16(ln.Addr().(*net.TCPAddr).Port), udp: uint16(pc.LocalAddr().(*net.UDPAddr).Port),
	}
}

// reply is who answered and the client address it saw.
type reply struct{ name, client string }

func parseReply(line string) (reply, error) {
	name, client, ok := strings.Cut(strings.TrimSpace(line), " ")
	if !ok {
		return reply{}, fmt.Errorf("reply %q: want NAME CLIENT-IP", line)
	}
	return reply{name, client}, nil
}

// askTCP connects to addr from the namespace at netnsPath, sends one line
// and returns the answer.
func askTCP(netnsPath, addr string) (reply, error) {
	var r reply
	err := netnstest.InNetNS(netnsPath, func() error {
		c, err := net.DialTimeout("tcp4", addr, 2*time.Second)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		r, err = exchange(c)
		return err
	})
	return r, err
}

// askUDP sends one datagram to addr from the namespace at netnsPath and
// returns the answer.
func askUDP(netnsPath, addr string) (reply, error) {
	var r reply
	err := netnstest.InNetNS(netnsPath, func() error {
		c, err := net.Dial("udp4", addr)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		r, err = exchange(c)
		return err
	})
	return r, err
}

// exchange writes a line on c and reads the answer.
func exchange(c net.Conn) (reply, error) {
	if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return reply{}, err
	}
	if _, err := fmt.Fprintln(c, "hello"); err != nil {
		return reply{}, err
	}
	buf := make([]byte, 200)
	n, err := c.Read(buf)
	if err != nil {
		return reply{}, fmt.Errorf("read from %s: %w", c.RemoteAddr(), err)
	}
	return parseReply(string(buf[:n]))
}
