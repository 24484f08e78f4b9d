package api

// The bodies of the HTTP API that are not objects. The daemon writes them
// and the client reads them, so they live here, next to the objects, and
// neither side imports the other.

// AppliedObject reports what apply or delete did to one object.
type AppliedObject struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Action is created, configured, unchanged, deleted, evicted,
	// scaled, cordoned, uncordoned, restarted, rolled back or "not found".
	Action string `json:"action"`
	// ResourceVersion is the object's version after the write (for a
	// delete, its last version); empty when the write did not report it.
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// Written names one object a write committed and the version it
// committed (for a delete, the last version stored): what a write reports
// instead of the object, so that the answer stays small however large
// the objects are.
type Written struct {
	Key
	// ResourceVersion is the object's metadata.resourceVersion.
	ResourceVersion string `json:"resourceVersion"`
}

// WrittenOf names obj and its version.
func WrittenOf(obj Object) Written {
	return Written{Key: KeyOf(obj), ResourceVersion: obj.GetObjectMeta().ResourceVersion}
}

// Status is the answer of GET /v1/status.
type Status struct {
	// Leader is the Raft leader's node name, empty if there is none.
	Leader  string         `json:"leader"`
	Members []MemberStatus `json:"members"`
	// Settings are the cluster-wide settings the answering agent runs
	// with: the cluster's agreed ones, or nil while it has not read them
	// from its replica yet.
	Settings *ClusterConfigSpec `json:"settings,omitempty"`
}

// MemberStatus is one member in Status.
type MemberStatus struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// Status is the gossip view: alive, suspect, dead or left.
	Status string `json:"status"`
	// Raft is leader, voter, nonvoter or none.
	Raft string `json:"raft"`
	// Version is the Shoal version the member's agent runs, as it
	// gossips it; empty when gossip does not know the member.
	Version string `json:"version,omitempty"`
}

// Raft roles in Status and in the AnnotationRaftRole of Node objects.
const (
	RoleLeader   = "leader"
	RoleVoter    = "voter"
	RoleNonvoter = "nonvoter"
	RoleNone     = "none"
)

// WatchEvent is one line of the watch stream (GET /v1/watch).
type WatchEvent struct {
	// Type is ADDED, MODIFIED or DELETED.
	Type   string `json:"type"`
	Object Object `json:"object"`
}

// Image is one image in a node's containerd.
type Image struct {
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// ImageList is the images of one node (GET and POST /v1/images).
type ImageList struct {
	Node  string  `json:"node"`
	Items []Image `json:"items"`
}
