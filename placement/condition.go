package placement

import (
	"time"

	"github.com/shoal-dev/shoal/api"
)

// ReasonUnschedulable is the PodScheduled condition's reason for a pod no
// node can take.
const ReasonUnschedulable = "Unschedulable"

// PodScheduledCondition returns the PodScheduled condition that records d:
// True when the pod was placed, else False with reason Unschedulable and
// d.Reason as the message. now (taken as an argument, the package reads no
// clock) is the transition time.
func PodScheduledCondition(d Decision, now time.Time) api.PodCondition {
	c := api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: &now}
	if d.Node == "" {
		c.Status = api.ConditionFalse
		c.Reason = ReasonUnschedulable
		c.Message = d.Reason
	}
	return c
}
