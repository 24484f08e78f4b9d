package gossip

import (
	"fmt"
	"time"
)

// Status is a member's state as this node sees it.
type Status int

const (
	// StatusAlive members answer probes.
	StatusAlive Status = iota
	// StatusSuspect members failed this node's latest probe and have not
	// been declared dead yet (see the package comment for the exact rule).
	StatusSuspect
	// StatusDead members were declared failed by memberlist.
	StatusDead
	// StatusLeft members left gracefully with Leave.
	StatusLeft
)

// String returns "alive", "suspect", "dead" or "left".
func (s Status) String() string {
	switch s {
	case StatusAlive:
		return "alive"
	case StatusSuspect:
		return "suspect"
	case StatusDead:
		return "dead"
	case StatusLeft:
		return "left"
	default:
		return fmt.Sprintf("Status(%d)", int(s))
	}
}

// Member is one node of the cluster as this node sees it.
type Member struct {
	// Name is the node's unique name.
	Name string
	// Addr is the node's gossip IP.
	Addr string
	// Port is the node's gossip port.
	Port int
	// Meta is what the node gossips about itself; empty if it sent none or
	// sent something this node could not decode. Treat Labels as read-only.
	Meta Meta
	// Status is the node's state.
	Status Status
	// Since is when Status last changed, on this node's clock.
	Since time.Time
	// Missed is when this node's latest direct probe of the member got
	// no ack within the probe timeout (zero if none did): the member may
	// become suspect at the end of the probe round.
	Missed time.Time
}

// Gone reports whether the member is dead or has left.
func (m Member) Gone() bool { return m.Status == StatusDead || m.Status == StatusLeft }

// EventType says what happened to a member.
type EventType int

const (
	// EventJoin: a member joined, or came back after being dead or left.
	EventJoin EventType = iota
	// EventUpdate: a member's Meta or address changed.
	EventUpdate
	// EventSuspect: a member became suspect.
	EventSuspect
	// EventAlive: a suspect member is alive again.
	EventAlive
	// EventDead: a member failed.
	EventDead
	// EventLeft: a member left gracefully.
	EventLeft
	// EventProbeMissed: this node's direct probe of a member got no ack
	// in time (Member.Missed); indirect probes follow, and the member is
	// suspect if they fail too.
	EventProbeMissed
)

// String returns "join", "update", "suspect", "alive", "dead", "left"
// or "probe-missed".
func (t EventType) String() string {
	switch t {
	case EventJoin:
		return "join"
	case EventUpdate:
		return "update"
	case EventSuspect:
		return "suspect"
	case EventAlive:
		return "alive"
	case EventDead:
		return "dead"
	case EventLeft:
		return "left"
	case EventProbeMissed:
		return "probe-missed"
	default:
		return fmt.Sprintf("EventType(%d)", int(t))
	}
}

// Event is a change to one member; Member is its state after the change.
type Event struct {
	Type   EventType
	Member Member
}
