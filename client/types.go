package client

import "github.com/shoal-dev/shoal/api"

// AppliedObject reports what apply or delete did to one object.
type AppliedObject struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Action is created, configured, unchanged, deleted or "not found".
	Action string `json:"action"`
}

// Status is the answer of GET /v1/status.
type Status struct {
	// Leader is the Raft leader's node name, empty if there is none.
	Leader  string         `json:"leader"`
	Members []MemberStatus `json:"members"`
}

// MemberStatus is one member in Status.
type MemberStatus struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// Status is the gossip view: alive, suspect, dead or left.
	Status string `json:"status"`
	// Raft is leader, voter, nonvoter or none.
	Raft string `json:"raft"`
}

// WatchEvent is one line of the watch stream.
type WatchEvent struct {
	// Type is ADDED, MODIFIED or DELETED.
	Type   string     `json:"type"`
	Object api.Object `json:"object"`
}

// Raft roles in Status and on Node objects.
const (
	RoleLeader   = "leader"
	RoleVoter    = "voter"
	RoleNonvoter = "nonvoter"
	RoleNone     = "none"
)

// Annotations the API adds to Node objects when it serves them; they are
// read from the serving replica's Raft configuration and gossip at read
// time and never stored.
const (
	AnnotationRaftRole   = "shoal.dev/raft-role"
	AnnotationFreeCPU    = "shoal.dev/free-cpu"
	AnnotationFreeMemory = "shoal.dev/free-memory"
	AnnotationGossip     = "shoal.dev/gossip-status"
)

// Image is one image in a node's containerd.
type Image struct {
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// ImageList is the images of one node.
type ImageList struct {
	Node  string  `json:"node"`
	Items []Image `json:"items"`
}
