package client

import (
	"fmt"

	"github.com/shoal-dev/shoal/api"
)

// RolloutState is how far a workload's rollout has come.
type RolloutState struct {
	// Done is true when every replica runs the current template and is
	// available.
	Done bool
	// Failed is true when the rollout stopped making progress past its
	// deadline.
	Failed bool
	// Message says where the rollout stands, for humans.
	Message string
}

// Rollout reads the rollout state of a Deployment, StatefulSet or
// DaemonSet from its status, the way kubectl rollout status does.
func Rollout(obj api.Object) (RolloutState, error) {
	switch o := obj.(type) {
	case *api.Deployment:
		return deploymentRollout(o), nil
	case *api.StatefulSet:
		return statefulSetRollout(o), nil
	case *api.DaemonSet:
		return daemonSetRollout(o), nil
	}
	return RolloutState{}, fmt.Errorf("%s objects have no rollout", obj.GetTypeMeta().Kind)
}

func deploymentRollout(d *api.Deployment) RolloutState {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	st := d.Status
	if d.Generation > st.ObservedGeneration {
		return RolloutState{Message: "Waiting for deployment spec update to be observed..."}
	}
	for _, c := range st.Conditions {
		if c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded" {
			return RolloutState{Failed: true, Message: fmt.Sprintf("deployment %q exceeded its progress deadline", d.Name)}
		}
	}
	switch {
	case st.UpdatedReplicas < want:
		return RolloutState{Message: fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...", d.Name, st.UpdatedReplicas, want)}
	case st.Replicas > st.UpdatedReplicas:
		return RolloutState{Message: fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...", d.Name, st.Replicas-st.UpdatedReplicas)}
	case st.AvailableReplicas < st.UpdatedReplicas:
		return RolloutState{Message: fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...", d.Name, st.AvailableReplicas, st.UpdatedReplicas)}
	}
	return RolloutState{Done: true, Message: fmt.Sprintf("deployment %q successfully rolled out", d.Name)}
}

func statefulSetRollout(s *api.StatefulSet) RolloutState {
	want := int32(1)
	if s.Spec.Replicas != nil {
		want = *s.Spec.Replicas
	}
	st := s.Status
	switch {
	case s.Generation > st.ObservedGeneration:
		return RolloutState{Message: "Waiting for statefulset spec update to be observed..."}
	case st.ReadyReplicas < want:
		return RolloutState{Message: fmt.Sprintf("Waiting for %d pods to be ready...", want-st.ReadyReplicas)}
	case st.UpdateRevision != st.CurrentRevision && st.UpdatedReplicas < want:
		return RolloutState{Message: fmt.Sprintf("Waiting for partitioned roll out to finish: %d out of %d new pods have been updated...", st.UpdatedReplicas, want)}
	}
	return RolloutState{Done: true, Message: fmt.Sprintf("statefulset rolling update complete %d pods at revision %s...", st.ReadyReplicas, st.UpdateRevision)}
}

func daemonSetRollout(d *api.DaemonSet) RolloutState {
	st := d.Status
	switch {
	case d.Generation > st.ObservedGeneration:
		return RolloutState{Message: "Waiting for daemon set spec update to be observed..."}
	case st.UpdatedNumberScheduled < st.DesiredNumberScheduled:
		return RolloutState{Message: fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d out of %d new pods have been updated...", d.Name, st.UpdatedNumberScheduled, st.DesiredNumberScheduled)}
	case st.NumberAvailable < st.DesiredNumberScheduled:
		return RolloutState{Message: fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d of %d updated pods are available...", d.Name, st.NumberAvailable, st.DesiredNumberScheduled)}
	}
	return RolloutState{Done: true, Message: fmt.Sprintf("daemon set %q successfully rolled out", d.Name)}
}
