package node

import (
	"context"
	"time"

	"github.com/shoal-dev/shoal/agent/hostinfo"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/placement"
)

// resourceInterval is how often free resources are sampled and gossiped.
const resourceInterval = 5 * time.Second

// RunResourceReporter samples free CPU, memory and disk and gossips them
// when they change noticeably.
func (n *Node) RunResourceReporter(ctx context.Context) error {
	sampler := &hostinfo.CPUSampler{}
	tick := time.NewTicker(resourceInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		free, err := hostinfo.Free(n.cfg.DataDir, sampler)
		if err != nil {
			n.log.Warn("sample free resources", "err", err)
			continue
		}
		me, ok := n.cfg.Gossip.Member(n.cfg.Name)
		if !ok {
			continue
		}
		// Overridden capacity caps what is reported free, and so do the
		// requests of the pods assigned here: free is what is neither used
		// nor promised.
		reqCPU, reqMem := n.requestedHere()
		cpu := max(0, min(free.CPU, me.Meta.CPU-reqCPU))
		mem := max(0, min(free.Memory, me.Meta.Memory-reqMem))
		disk := min(free.Disk, me.Meta.Disk)
		if !changed(me.Meta.FreeCPU, cpu, me.Meta.CPU) && !changed(me.Meta.FreeMemory, mem, me.Meta.Memory) && !changed(me.Meta.FreeDisk, disk, me.Meta.Disk) {
			continue
		}
		err = n.cfg.Gossip.UpdateMeta(func(m *gossip.Meta) {
			m.FreeCPU, m.FreeMemory, m.FreeDisk = cpu, mem, disk
		})
		if err != nil {
			n.log.Warn("gossip free resources", "err", err)
		}
	}
}

// requestedHere sums the CPU (millicores) and memory requests of the live
// pods assigned to this node.
func (n *Node) requestedHere() (cpu, mem int64) {
	for _, o := range n.cfg.View.List("Pod", "", nil) {
		p := o.(*api.Pod)
		if p.Spec.NodeName != n.cfg.Name || p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
			continue
		}
		r := placement.PodRequests(p)
		cpu += r.MilliCPU
		mem += r.Memory
	}
	return cpu, mem
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
