package placement

import (
	"sort"

	"github.com/shoal-dev/shoal/api"
)

// state is the index stage's output: the snapshot turned into flat per-node
// arrays (node i is the i-th node in name order), plus what the batch being
// scheduled has added so far. One Schedule call owns one state.
type state struct {
	nodes []NodeInfo
	// use holds each node's changing accounting, parallel to nodes.
	use []nodeUse
	// byName maps a node name to its index.
	byName map[string]int32
	// zones are the distinct zone names, sorted; zoneOf[i] indexes it.
	zones  []string
	zoneOf []int32
	// staticReject is notReady, cordoned, diskPressure or fits for each node: the
	// filters that do not depend on the pod.
	staticReject []reason
	// rejected counts nodes by staticReject.
	rejected reasonCounts
	// existing lists, per owner, the node of each of its bound pods.
	existing map[string][]int32

	classes map[string]*class
	owners  map[string]*owner
	// failed remembers, per pod shape, why it could not be placed; within a
	// batch nodes only fill up, so the next pod of that shape cannot be
	// placed either.
	failed   map[string]string
	strategy Strategy
	// cands is scratch space for the rank stage.
	cands []candidate

	// Preemption (preempt.go).
	// budgets are the disruption budgets with the disruptions each still
	// allows in this call.
	budgets []budget
	// claimed are the victims chosen in this call ("namespace/name"), so
	// no two preemptors count on the same one.
	claimed map[string]bool
	// minPrio is the lowest priority of a bound pod, once havePrio.
	minPrio  int32
	havePrio bool
	// Claims (issue 12, see claims.go).
	// claims indexes PersistentVolumeClaims by "namespace/name".
	claims map[string]*claimInfo
	// classNames are the storage classes that exist.
	classNames map[string]bool
}

// nodeUse is what a node has left and which host ports are taken.
type nodeUse struct {
	// free is what remains for new pods; it is negative when the node is
	// already over-committed.
	free Resources
	// ports are the host ports in use, as protocol<<16|port.
	ports []uint32
	// pods are the node's pods (bound, and placed in this batch), for
	// podAntiAffinity.
	pods []*api.Pod
}

// indexSnapshot builds the state for one Schedule call.
func indexSnapshot(snap *Snapshot, strategy Strategy) *state {
	s := &state{
		byName:   make(map[string]int32, len(snap.Nodes)),
		existing: map[string][]int32{},
		classes:  map[string]*class{},
		owners:   map[string]*owner{},
		failed:   map[string]string{},
		strategy: strategy,
	}
	order := make([]int, len(snap.Nodes))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return snap.Nodes[order[a]].Name < snap.Nodes[order[b]].Name })
	for _, i := range order {
		n := snap.Nodes[i]
		if _, dup := s.byName[n.Name]; dup || n.Name == "" {
			continue
		}
		s.byName[n.Name] = int32(len(s.nodes))
		s.nodes = append(s.nodes, n)
	}

	zoneSet := map[string]int32{}
	for _, n := range s.nodes {
		zoneSet[n.Zone] = 0
	}
	for z := range zoneSet {
		s.zones = append(s.zones, z)
	}
	sort.Strings(s.zones)
	for i, z := range s.zones {
		zoneSet[z] = int32(i)
	}

	s.use = make([]nodeUse, len(s.nodes))
	s.zoneOf = make([]int32, len(s.nodes))
	s.staticReject = make([]reason, len(s.nodes))
	for i, n := range s.nodes {
		s.use[i].free = n.Allocatable
		s.zoneOf[i] = zoneSet[n.Zone]
		switch {
		case !n.Ready:
			s.staticReject[i] = notReady
		case n.Unschedulable:
			s.staticReject[i] = cordoned
		case n.DiskPressure:
			s.staticReject[i] = diskPressure
		}
		s.rejected[s.staticReject[i]]++
	}

	for _, p := range snap.Pods {
		s.addExisting(p)
	}
	s.indexClaims(snap)
	for i, n := range s.nodes {
		if n.Free != nil {
			u := &s.use[i].free
			u.MilliCPU = min(u.MilliCPU, n.Free.MilliCPU)
			u.Memory = min(u.Memory, n.Free.Memory)
		}
	}
	return s
}

// addExisting accounts for a pod already bound to a node.
func (s *state) addExisting(p *api.Pod) {
	if p == nil || p.Spec.NodeName == "" || finished(p) {
		return
	}
	n, ok := s.byName[p.Spec.NodeName]
	if !ok {
		return
	}
	u := &s.use[n]
	u.free = u.free.Sub(PodRequests(p))
	u.ports = append(u.ports, hostPorts(p)...)
	u.pods = append(u.pods, p)
	if o := ownerKey(p); o != "" {
		s.existing[o] = append(s.existing[o], n)
	}
}

// take charges node n for a pod placed on it in this batch.
func (s *state) take(n int32, req Resources, ports []uint32) {
	u := &s.use[n]
	u.free = u.free.Sub(req)
	if len(ports) > 0 {
		u.ports = append(u.ports, ports...)
	}
}
