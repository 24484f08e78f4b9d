package e2e

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

// TestTakenPortStopsAgentBeforeJoin: a host-side DNS or ingress port that
// is taken stops the agent with an error naming the flag, before it joins
// the cluster (it never becomes a member).
func TestTakenPortStopsAgentBeforeJoin(t *testing.T) {
	skipShort(t)
	c := testcluster.New(t)
	n1 := c.Add("n1")
	// Something else holds a TCP port on loopback.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	_, port, _ := net.SplitHostPort(taken)
	tests := []struct{ name, flag string }{
		{"dns", "--dns-addr"},
		{"ingress", "--ingress-addr"},
		{"ingress tls", "--ingress-tls-addr"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := c.NewAgent("late"+strconv.Itoa(i), "--join", n1.APIAddr(), "--token", c.Token(), tt.flag, "127.0.0.1:"+port)
			if err := a.Start(); err != nil {
				t.Fatal(err)
			}
			if err := a.Wait(30 * time.Second); err == nil || err.Error() == "timed out waiting for exit" {
				t.Fatalf("agent with %s %s: got exit %v, want a failure", tt.flag, taken, err)
			}
			if log := a.Log(); !strings.Contains(log, tt.flag+" 127.0.0.1:"+port) || !strings.Contains(log, "address already in use") {
				t.Fatalf("agent log does not name %s and the taken address:\n%s", tt.flag, log)
			}
			out, _, err := n1.CLI("get", "nodes")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, a.Name) {
				t.Fatalf("the agent joined although it could not bind:\n%s", out)
			}
		})
	}
}
