package agent

import (
	"context"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/agent/hostinfo"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/placement"
)

// resourceInterval is how often free resources are sampled and gossiped.
const resourceInterval = 5 * time.Second

// runResourceReporter samples free CPU, memory and disk and gossips them
// when they change noticeably.
func (a *Agent) runResourceReporter(ctx context.Context) error {
	sampler := &hostinfo.CPUSampler{}
	tick := time.NewTicker(resourceInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		free, err := hostinfo.Free(a.cfg.DataDir, sampler)
		if err != nil {
			a.logger.Warn("sample free resources", "err", err)
			continue
		}
		me, ok := a.gossip.Member(a.cfg.Name)
		if !ok {
			continue
		}
		// Overridden capacity caps what is reported free, and so do the
		// requests of the pods assigned here: free is what is neither used
		// nor promised.
		reqCPU, reqMem := a.requestedHere()
		cpu := max(0, min(free.CPU, me.Meta.CPU-reqCPU))
		mem := max(0, min(free.Memory, me.Meta.Memory-reqMem))
		disk := min(free.Disk, me.Meta.Disk)
		if !changed(me.Meta.FreeCPU, cpu, me.Meta.CPU) && !changed(me.Meta.FreeMemory, mem, me.Meta.Memory) && !changed(me.Meta.FreeDisk, disk, me.Meta.Disk) {
			continue
		}
		err = a.gossip.UpdateMeta(func(m *gossip.Meta) {
			m.FreeCPU, m.FreeMemory, m.FreeDisk = cpu, mem, disk
		})
		if err != nil {
			a.logger.Warn("gossip free resources", "err", err)
		}
	}
}

// requestedHere sums the CPU (millicores) and memory requests of the live
// pods assigned to this node.
func (a *Agent) requestedHere() (cpu, mem int64) {
	for _, o := range a.store.List("Pod", "", nil) {
		p := o.(*api.Pod)
		if p.Spec.NodeName != a.cfg.Name || p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
			continue
		}
		r := placement.PodRequests(p)
		cpu += r.MilliCPU
		mem += r.Memory
	}
	return cpu, mem
}

// runPeerRecorder keeps DATA_DIR/peers.json up to date with the gossip
// addresses of alive members, for rejoining after a restart.
func (a *Agent) runPeerRecorder(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case <-a.ready:
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	var last []string
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		var peers []string
		for _, m := range a.gossip.Members() {
			if m.Status == gossip.StatusAlive && m.Name != a.cfg.Name {
				peers = append(peers, net.JoinHostPort(m.Addr, strconv.Itoa(m.Port)))
			}
		}
		if len(peers) == 0 || slices.Equal(peers, last) {
			continue
		}
		if err := savePeers(a.cfg.DataDir, peers); err != nil {
			a.logger.Warn("record peers", "err", err)
			continue
		}
		last = peers
	}
}

// changed reports whether a free amount moved by more than 2% of capacity,
// the threshold below which gossiping it is not worth the traffic.
func changed(old, now, capacity int64) bool {
	d := old - now
	if d < 0 {
		d = -d
	}
	return d*50 > capacity
}
