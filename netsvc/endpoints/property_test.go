package endpoints

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/shoal-dev/shoal/api"
)

// drawService draws a service in "default" selecting app=web (or nothing)
// with up to three ports, numeric or named targets, TCP or UDP.
func drawService(t *rapid.T) *api.Service {
	s := svc()
	if rapid.IntRange(0, 9).Draw(t, "no selector") == 0 {
		s.Spec.Selector = nil
	}
	s.Spec.PublishNotReadyAddresses = rapid.Bool().Draw(t, "publishNotReady")
	s.Spec.Ports = nil
	for i := range rapid.IntRange(1, 3).Draw(t, "ports") {
		sp := api.ServicePort{Name: fmt.Sprintf("p%d", i), Port: int32(80 + i),
			Protocol: rapid.SampledFrom([]api.Protocol{api.ProtocolTCP, api.ProtocolUDP}).Draw(t, "protocol")}
		if rapid.Bool().Draw(t, "named") {
			sp.TargetPort = api.FromString(rapid.SampledFrom([]string{"http", "admin"}).Draw(t, "target name"))
		} else {
			sp.TargetPort = api.FromInt32(int32(rapid.IntRange(0, 3).Draw(t, "target number")) * 1000)
		}
		s.Spec.Ports = append(s.Spec.Ports, sp)
	}
	return s
}

// drawPods draws pods with every state that matters to Compute.
func drawPods(t *rapid.T) []*api.Pod {
	n := rapid.IntRange(0, 12).Draw(t, "pods")
	pods := make([]*api.Pod, n)
	for i := range pods {
		ns := rapid.SampledFrom([]string{"default", "default", "other"}).Draw(t, "namespace")
		node := rapid.SampledFrom([]string{"n1", "n2", ""}).Draw(t, "node")
		ip := rapid.SampledFrom([]string{fmt.Sprintf("10.42.0.%d", i+2), fmt.Sprintf("10.42.1.%d", 100-i), ""}).Draw(t, "ip")
		p := pod(ns, fmt.Sprintf("pod-%d", i), node, ip)
		p.Labels["app"] = rapid.SampledFrom([]string{"web", "web", "db"}).Draw(t, "app")
		if !rapid.Bool().Draw(t, "ready") {
			notReady(p)
		}
		if rapid.IntRange(0, 3).Draw(t, "terminating") == 0 {
			terminating(p)
		}
		p.Status.Phase = rapid.SampledFrom([]api.PodPhase{api.PodRunning, api.PodRunning, api.PodPending, api.PodSucceeded, api.PodFailed}).Draw(t, "phase")
		for _, name := range []string{"http", "admin"} {
			if rapid.Bool().Draw(t, "has "+name) {
				p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, api.ContainerPort{
					Name: name, ContainerPort: int32(rapid.IntRange(8000, 8002).Draw(t, name+" port")),
					Protocol: rapid.SampledFrom([]api.Protocol{api.ProtocolTCP, api.ProtocolUDP}).Draw(t, name+" protocol"),
				})
			}
		}
		pods[i] = p
	}
	return pods
}

// TestComputeProperties checks Compute against a direct statement of its
// rules on random services and pods.
func TestComputeProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawService(t)
		pods := drawPods(t)
		got := Compute(s, pods)

		// Where each (pod, port name) landed: "ready" or "notready", and
		// with which number.
		type slot struct {
			list string
			port int32
		}
		seen := map[string]slot{}
		for _, ss := range got.Subsets {
			for _, p := range ss.Ports {
				for list, addrs := range map[string][]api.EndpointAddress{"ready": ss.Addresses, "notready": ss.NotReadyAddresses} {
					for _, a := range addrs {
						k := a.TargetRef.Name + "/" + p.Name
						if _, dup := seen[k]; dup {
							t.Fatalf("pod %s is listed twice under port %s", a.TargetRef.Name, p.Name)
						}
						seen[k] = slot{list, p.Port}
					}
				}
			}
		}
		for _, p := range pods {
			for i := range s.Spec.Ports {
				sp := &s.Spec.Ports[i]
				k := p.Name + "/" + sp.Name
				num, resolves := TargetPort(p, sp)
				eligible := Selects(s, p) && p.Spec.NodeName != "" && p.Status.PodIP != "" &&
					p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed && resolves
				var want slot
				switch {
				case !eligible:
				case !IsTerminating(p) && (IsPodReady(p) || s.Spec.PublishNotReadyAddresses):
					want = slot{"ready", num}
				default:
					want = slot{"notready", num}
				}
				if seen[k] != want {
					t.Fatalf("pod %s port %s: got %+v, want %+v", p.Name, sp.Name, seen[k], want)
				}
			}
		}

		// Sorted, and the input order does not matter.
		for _, ss := range got.Subsets {
			for _, addrs := range [][]api.EndpointAddress{ss.Addresses, ss.NotReadyAddresses} {
				if !slices.IsSortedFunc(addrs, func(a, b api.EndpointAddress) int {
					return cmpIP(a.IP, b.IP)
				}) {
					t.Fatalf("addresses not sorted: %v", addrs)
				}
			}
		}
		shuffled := rapid.Permutation(pods).Draw(t, "shuffled")
		if diff := cmp.Diff(got, Compute(s, shuffled)); diff != "" {
			t.Fatalf("shuffled input gives other endpoints (-first +shuffled):\n%s", diff)
		}
	})
}

func cmpIP(a, b string) int { return netip.MustParseAddr(a).Compare(netip.MustParseAddr(b)) }
