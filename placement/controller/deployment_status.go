package controller

import (
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Reasons of Deployment conditions, as Kubernetes writes them.
const (
	ReasonMinimumReplicasAvailable   = "MinimumReplicasAvailable"
	ReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable"
	ReasonNewReplicaSetCreated       = "NewReplicaSetCreated"
	ReasonFoundNewReplicaSet         = "FoundNewReplicaSet"
	ReasonReplicaSetUpdated          = "ReplicaSetUpdated"
	ReasonNewReplicaSetAvailable     = "NewReplicaSetAvailable"
	ReasonProgressDeadlineExceeded   = "ProgressDeadlineExceeded"
	ReasonDeploymentPaused           = "DeploymentPaused"
)

// deploymentStatus counts the pods of every revision as they are now (not
// as this pass will leave them) and sets the Available and Progressing
// conditions. found says an old revision became current again.
func (p *pass) deploymentStatus(d *api.Deployment, cur *revisionView, olds []*revisionView, replicas, maxUnavailable int32, found bool) api.DeploymentStatus {
	st := api.DeploymentStatus{ObservedGeneration: d.Generation}
	for _, v := range append([]*revisionView{cur}, olds...) {
		if v == nil {
			continue
		}
		st.Replicas += v.active
		st.ReadyReplicas += v.ready
		st.AvailableReplicas += v.available
	}
	rsName := ""
	if cur != nil {
		st.UpdatedReplicas = cur.active
		rsName = cur.rs.Name
	}
	st.UnavailableReplicas = max(0, replicas-st.AvailableReplicas)

	conds := append([]api.DeploymentCondition(nil), d.Status.Conditions...)
	if st.AvailableReplicas >= replicas-maxUnavailable {
		conds = setDeploymentCondition(conds, api.DeploymentAvailable, api.ConditionTrue,
			ReasonMinimumReplicasAvailable, "Deployment has minimum availability.", p.now, false)
	} else {
		conds = setDeploymentCondition(conds, api.DeploymentAvailable, api.ConditionFalse,
			ReasonMinimumReplicasUnavailable, "Deployment does not have minimum availability.", p.now, false)
	}

	prog := findDeploymentCondition(conds, api.DeploymentProgressing)
	deadline := time.Duration(int32Or(d.Spec.ProgressDeadlineSeconds, api.DefaultProgressDeadlineSeconds)) * time.Second
	set := func(status api.ConditionStatus, reason, msg string, touch bool) {
		conds = setDeploymentCondition(conds, api.DeploymentProgressing, status, reason, msg, p.now, touch)
	}
	switch {
	case d.Spec.Paused:
		set(api.ConditionUnknown, ReasonDeploymentPaused, "Deployment is paused", false)
	case cur != nil && cur.created:
		set(api.ConditionTrue, ReasonNewReplicaSetCreated, fmt.Sprintf("Created new replica set %q", rsName), true)
	case found:
		set(api.ConditionTrue, ReasonFoundNewReplicaSet, fmt.Sprintf("Found new replica set %q", rsName), true)
	case st.UpdatedReplicas == replicas && st.Replicas == replicas && st.AvailableReplicas == replicas:
		set(api.ConditionTrue, ReasonNewReplicaSetAvailable, fmt.Sprintf("ReplicaSet %q has successfully progressed.", rsName), false)
	case progressed(d.Status, st):
		set(api.ConditionTrue, ReasonReplicaSetUpdated, fmt.Sprintf("ReplicaSet %q is progressing.", rsName), true)
	case prog == nil || prog.Reason == ReasonDeploymentPaused:
		set(api.ConditionTrue, ReasonReplicaSetUpdated, fmt.Sprintf("ReplicaSet %q is progressing.", rsName), true)
	case prog.Reason == ReasonNewReplicaSetAvailable || prog.Reason == ReasonProgressDeadlineExceeded:
		// A finished rollout does not time out (it only restarts when
		// something progresses), and a timed-out one stays timed out.
	case prog.LastUpdateTime != nil && !p.now.Before(prog.LastUpdateTime.Add(deadline)):
		set(api.ConditionFalse, ReasonProgressDeadlineExceeded, fmt.Sprintf("ReplicaSet %q has timed out progressing.", rsName), true)
	}
	st.Conditions = conds
	return st
}

// progressed reports whether the rollout moved since the stored status:
// more updated, ready or available pods, or fewer old ones.
func progressed(old, st api.DeploymentStatus) bool {
	oldPods := old.Replicas - old.UpdatedReplicas
	newOldPods := st.Replicas - st.UpdatedReplicas
	return st.UpdatedReplicas > old.UpdatedReplicas || newOldPods < oldPods ||
		st.ReadyReplicas > old.ReadyReplicas || st.AvailableReplicas > old.AvailableReplicas
}

func findDeploymentCondition(conds []api.DeploymentCondition, t api.DeploymentConditionType) *api.DeploymentCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// setDeploymentCondition sets one condition, keeping lastTransitionTime
// while the status stays and lastUpdateTime while nothing changes (unless
// touch, which records progress now).
func setDeploymentCondition(conds []api.DeploymentCondition, t api.DeploymentConditionType, status api.ConditionStatus, reason, msg string, now time.Time, touch bool) []api.DeploymentCondition {
	ts := now
	c := api.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: msg, LastUpdateTime: &ts, LastTransitionTime: &ts}
	old := findDeploymentCondition(conds, t)
	if old == nil {
		return append(conds, c)
	}
	if old.Status == status {
		c.LastTransitionTime = old.LastTransitionTime
		if old.Reason == reason && old.Message == msg && !touch {
			c.LastUpdateTime = old.LastUpdateTime
		}
	}
	*old = c
	return conds
}
