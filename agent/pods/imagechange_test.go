package pods

import (
	"fmt"
	"testing"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// TestManagerRestartsOnImageChange changes the image of a running
// container of a pod whose restart policy is Never: the container is
// stopped with the pod's grace period and runs again with the new image.
func TestManagerRestartsOnImageChange(t *testing.T) {
	h := newHarness(t)
	h.addPod("web", func(p *api.Pod) {
		p.Spec.RestartPolicy = api.RestartNever
		g := int64(7)
		p.Spec.TerminationGracePeriodSeconds = &g
	})
	p := h.waitStatus("web", running)
	id := containerID(p.UID, "main")

	next := api.DeepCopy(p)
	next.Spec.Containers[0].Image = "busybox:2"
	next.ResourceVersion = ""
	if err := h.c.put(t, consensus.ModeApply, next); err != nil {
		t.Fatal(err)
	}
	h.waitStatus("web", func(p *api.Pod) error {
		cs := p.Status.ContainerStatuses[0]
		if cs.Image != "busybox:2" || cs.RestartCount != 1 || cs.State.Running == nil {
			return fmt.Errorf("got image %s restarts %d running %v, want busybox:2 restarted once and running", cs.Image, cs.RestartCount, cs.State.Running != nil)
		}
		if last := cs.LastState.Terminated; last == nil || last.Message != "image changed to busybox:2" {
			return fmt.Errorf("got last state %+v, want one saying the image changed", cs.LastState.Terminated)
		}
		return nil
	})
	h.rt.mu.Lock()
	defer h.rt.mu.Unlock()
	if got := h.rt.ctrs[id].Image; got != "busybox:2" {
		t.Errorf("got runtime image %q, want busybox:2", got)
	}
	if got := fmt.Sprint(h.rt.graces[id]); got != "[7s]" {
		t.Errorf("got stop graces %s, want [7s]", got)
	}
}
