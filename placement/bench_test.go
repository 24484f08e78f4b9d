package placement

import (
	"fmt"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// Run with: GOMAXPROCS=1 go test ./placement -run '^$' -bench . -benchtime 1x
// Schedule is single-threaded; the figure to watch is pods/s.

// BenchmarkSchedule150kOn5k places 1,500 deployments of 100 replicas
// (150,000 pods, small requests) onto 5,000 nodes in 10 zones.
func BenchmarkSchedule150kOn5k(b *testing.B) {
	benchSchedule(b, benchCase{nodes: 5000, zones: 10, owners: 1500, replicas: 100, maxPods: DefaultMaxPods}, Spread)
}

// BenchmarkSchedule150kOn5kBinpack is the same with the binpack strategy.
func BenchmarkSchedule150kOn5kBinpack(b *testing.B) {
	benchSchedule(b, benchCase{nodes: 5000, zones: 10, owners: 1500, replicas: 100, maxPods: DefaultMaxPods}, Binpack)
}

// BenchmarkSchedule1kOn3 places 10 deployments of 100 replicas onto 3
// nodes: deep spread levels on few nodes.
func BenchmarkSchedule1kOn3(b *testing.B) {
	benchSchedule(b, benchCase{nodes: 3, zones: 1, owners: 10, replicas: 100, maxPods: 500, cpu: 128}, Spread)
}

// BenchmarkSchedule20kOneOwnerOn5k places one deployment of 20,000
// replicas onto 5,000 nodes: many pods per owner per node.
func BenchmarkSchedule20kOneOwnerOn5k(b *testing.B) {
	benchSchedule(b, benchCase{nodes: 5000, zones: 10, owners: 1, replicas: 20000, maxPods: DefaultMaxPods}, Spread)
}

type benchCase struct {
	nodes, zones, owners, replicas int
	maxPods                        int64
	// cpu is each node's cores (default 32).
	cpu int64
}

func benchSchedule(b *testing.B, bc benchCase, strategy Strategy) {
	if bc.cpu == 0 {
		bc.cpu = 32
	}
	snap := &Snapshot{}
	for i := range bc.nodes {
		z := fmt.Sprintf("zone-%d", i%bc.zones)
		snap.Nodes = append(snap.Nodes, NodeInfo{
			Name:        fmt.Sprintf("node-%05d", i),
			Labels:      map[string]string{ZoneLabel: z},
			Ready:       true,
			Zone:        z,
			Allocatable: Resources{MilliCPU: bc.cpu * 1000, Memory: 4 * bc.cpu << 30, Pods: bc.maxPods},
		})
	}
	pending := make([]*api.Pod, 0, bc.owners*bc.replicas)
	yes := true
	for o := range bc.owners {
		name := fmt.Sprintf("app-%04d", o)
		spec := api.PodSpec{Containers: []api.Container{{
			Name: "app", Image: "app:1",
			Resources: api.ResourceRequirements{Requests: api.ResourceList{
				api.ResourceCPU:    api.NewMilliQuantity(int64(50+50*(o%5)), api.DecimalSI),
				api.ResourceMemory: api.NewQuantity(int64(64+64*(o%4))<<20, api.BinarySI),
			}},
		}}}
		refs := []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: name, UID: "uid-" + name, Controller: &yes}}
		for r := range bc.replicas {
			pending = append(pending, &api.Pod{
				TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("%s-%d", name, r), Namespace: "default", OwnerReferences: refs},
				Spec:       spec,
			})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var ds []Decision
	for range b.N {
		ds = Schedule(snap, pending, Config{Strategy: strategy})
	}
	b.StopTimer()
	b.ReportMetric(float64(len(pending)*b.N)/b.Elapsed().Seconds(), "pods/s")
	for _, d := range ds {
		if d.Node == "" {
			b.Fatalf("pod %s unplaceable: %s", d.Pod.Name, d.Reason)
		}
	}
}
