package gossip

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/hashicorp/memberlist"
)

// MetaMaxSize is the largest encoded Meta memberlist will carry, in bytes.
// A few bytes of it are reserved for the leaving mark, so the usable size
// is slightly smaller; Encode-size errors name the exact numbers.
const MetaMaxSize = memberlist.MetaMaxSize

// ErrMetaTooLarge is returned (wrapped, with the size) when a Meta does not
// fit in MetaMaxSize once encoded.
var ErrMetaTooLarge = errors.New("gossip meta too large")

// Meta is what each node gossips about itself. It travels as compact JSON
// with short keys and must fit in MetaMaxSize bytes, which mostly limits
// how many labels a node can carry.
type Meta struct {
	// Addr is the IP other agents use to reach this node's API and Raft.
	Addr string `json:"a,omitempty"`
	// APIPort is the HTTP API port.
	APIPort int `json:"ap,omitempty"`
	// RaftPort is the Raft transport port.
	RaftPort int `json:"rp,omitempty"`
	// CPU is the node's CPU capacity in millicores.
	CPU int64 `json:"c,omitempty"`
	// Memory is the node's memory capacity in bytes.
	Memory int64 `json:"m,omitempty"`
	// Disk is the capacity of the filesystem holding the data dir, in bytes.
	Disk int64 `json:"d,omitempty"`
	// FreeCPU is the idle CPU in millicores, sampled.
	FreeCPU int64 `json:"fc,omitempty"`
	// FreeMemory is the available memory in bytes.
	FreeMemory int64 `json:"fm,omitempty"`
	// FreeDisk is the available space on the data dir's filesystem in bytes.
	FreeDisk int64 `json:"fd,omitempty"`
	// Labels are the node's labels, as used by nodeSelector.
	Labels map[string]string `json:"l,omitempty"`
	// MaxPods is how many pods the node takes (0: the default, 110).
	MaxPods int `json:"mp,omitempty"`
	// PodCIDR is the node's pod network, empty until one is assigned.
	PodCIDR string `json:"pc,omitempty"`
	// Version is the Shoal version the node runs.
	Version string `json:"v,omitempty"`
	// Runtime is the container runtime the node runs pods with
	// ("containerd"), empty if it runs none.
	Runtime string `json:"rt,omitempty"`
	// DiskPressure is true while the node is short of disk space and
	// evicting pods; the leader turns it into the Node's DiskPressure
	// condition.
	DiskPressure bool `json:"dp,omitempty"`
	// CA is the first 16 hex digits of the hash of the CA that issued the
	// node's certificate: the leader ends a CA rotation once every
	// member reports the new one.
	CA string `json:"ca,omitempty"`
}

// clone returns a copy of m that shares no map with it.
func (m Meta) clone() Meta {
	m.Labels = maps.Clone(m.Labels)
	return m
}

// wireMeta is the encoding of Meta on the wire: Meta plus the mark a node
// sets just before it leaves, so that peers can tell "left" from "dead"
// (memberlist does not tell its event delegate which it was).
type wireMeta struct {
	Meta
	Leaving bool `json:"lv,omitempty"`
}

// encodeMeta encodes m for gossip. The size check always counts the
// leaving mark, so that a meta accepted now still fits when Leave adds it.
func encodeMeta(m Meta, leaving bool) ([]byte, error) {
	worst, err := json.Marshal(wireMeta{Meta: m, Leaving: true})
	if err != nil {
		return nil, fmt.Errorf("encode gossip meta: %w", err)
	}
	if len(worst) > MetaMaxSize {
		return nil, fmt.Errorf("%w: %d bytes encoded, limit %d", ErrMetaTooLarge, len(worst), MetaMaxSize)
	}
	if leaving {
		return worst, nil
	}
	b, err := json.Marshal(wireMeta{Meta: m})
	if err != nil {
		return nil, fmt.Errorf("encode gossip meta: %w", err)
	}
	return b, nil
}

// decodeMeta decodes a peer's meta. Empty input is an empty Meta (a node
// that gossips none), not an error.
func decodeMeta(b []byte) (wireMeta, error) {
	var w wireMeta
	if len(b) == 0 {
		return w, nil
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return wireMeta{}, fmt.Errorf("decode gossip meta (%d bytes): %w", len(b), err)
	}
	return w, nil
}
