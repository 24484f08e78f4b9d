package api

import "time"

func init() {
	register(&Kind{
		Name: "Event", APIVersion: "v1", Plural: "events",
		Aliases: []string{"event", "ev"}, Namespaced: true, UserWritable: false,
		New: func() Object { return &Event{} },
	})
}

// Event types.
const (
	EventNormal  = "Normal"
	EventWarning = "Warning"
)

// Event records something that happened to an object, for humans: an
// image pulled, a container started, killed or backing off, a probe that
// failed. Agents write them; repeats raise Count.
type Event struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// InvolvedObject is what the event is about.
	InvolvedObject ObjectReference `json:"involvedObject"`
	// Reason is a short CamelCase word, e.g. "Pulled", "BackOff".
	Reason string `json:"reason,omitempty"`
	// Message says what happened.
	Message string `json:"message,omitempty"`
	// Type is Normal or Warning.
	Type string `json:"type,omitempty"`
	// Count is how many times it happened.
	Count int32 `json:"count,omitempty"`
	// FirstTimestamp and LastTimestamp bound the occurrences.
	FirstTimestamp *time.Time `json:"firstTimestamp,omitempty"`
	LastTimestamp  *time.Time `json:"lastTimestamp,omitempty"`
	// Source is who reported it.
	Source EventSource `json:"source,omitzero"`
}

// ObjectReference points at an object.
type ObjectReference struct {
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	UID       string `json:"uid,omitempty"`
	// FieldPath names a part of the object, e.g. "spec.containers{web}".
	FieldPath string `json:"fieldPath,omitempty"`
}

// EventSource names the component and node that reported an event.
type EventSource struct {
	Component string `json:"component,omitempty"`
	Host      string `json:"host,omitempty"`
}
