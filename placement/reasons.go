package placement

import (
	"sort"
	"strconv"
	"strings"
)

// reason is why a node cannot take a pod. The order is the order filters
// run in, cheapest first; a node is counted under the first that rejects it.
type reason uint8

const (
	fits reason = iota
	// Static filters: they depend only on the node and the pod's shape.
	notReady
	cordoned
	diskPressure
	volumeElsewhere
	selectorMismatch
	affinityMismatch
	untoleratedTaint
	// Dynamic filters: they depend on what the node already holds.
	spreadSkew
	podAffinity
	antiAffinity
	portsTaken
	tooManyPods
	insufficientCPU
	insufficientMemory
	numReasons
)

var reasonText = [numReasons]string{
	fits:               "node(s) fit",
	notReady:           "node(s) not ready",
	cordoned:           "node(s) were unschedulable",
	diskPressure:       "node(s) had disk pressure",
	volumeElsewhere:    "node(s) didn't hold the pod's volume",
	selectorMismatch:   "node(s) didn't match nodeSelector",
	affinityMismatch:   "node(s) didn't match Pod's node affinity",
	untoleratedTaint:   "node(s) had untolerated taint(s)",
	spreadSkew:         "node(s) didn't match pod topology spread constraints",
	podAffinity:        "node(s) didn't match pod affinity rules",
	antiAffinity:       "node(s) didn't match pod anti-affinity rules",
	portsTaken:         "node(s) didn't have free ports for the requested pod ports",
	tooManyPods:        "too many pods",
	insufficientCPU:    "insufficient cpu",
	insufficientMemory: "insufficient memory",
}

func (r reason) String() string { return reasonText[r] }

// reasonCounts counts nodes by the reason they were rejected.
type reasonCounts [numReasons]int

// message writes counts for a cluster of n nodes the way a human reads it:
// "0/3 nodes are available: 2 insufficient memory, 1 node(s) didn't match
// nodeSelector", largest count first, ties in alphabetical order.
func (c *reasonCounts) message(n int) string {
	if n == 0 {
		return "0/0 nodes are available: no nodes in the cluster"
	}
	type entry struct {
		count int
		text  string
	}
	var entries []entry
	for r := fits + 1; r < numReasons; r++ {
		if c[r] > 0 {
			entries = append(entries, entry{c[r], reasonText[r]})
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].count != entries[j].count {
			return entries[i].count > entries[j].count
		}
		return entries[i].text < entries[j].text
	})
	var b strings.Builder
	b.WriteString("0/")
	b.WriteString(strconv.Itoa(n))
	b.WriteString(" nodes are available: ")
	for i, e := range entries {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(e.count))
		b.WriteByte(' ')
		b.WriteString(e.text)
	}
	return b.String()
}
