package leader

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// countingProposer is a storeProposer that counts the objects written.
type countingProposer struct {
	storeProposer
	puts int
}

func (p *countingProposer) Propose(ctx context.Context, cmd consensus.Command) ([]api.Written, error) {
	if put, ok := cmd.(consensus.Put); ok {
		p.puts += len(put.Objects)
	}
	return p.storeProposer.Propose(ctx, cmd)
}

// bindHarness is a leader over a real store holding one Ready node with
// room for podsFit pods of 1 CPU.
func bindHarness(t *testing.T, podsFit int) (*Leader, *consensus.Store, *countingProposer) {
	t.Helper()
	st := consensus.NewStore()
	p := &countingProposer{storeProposer: storeProposer{fsm: consensus.NewFSM(st, nil)}}
	l := New(Config{
		Name:     "n1",
		Settled:  func() (Settings, bool) { return Settings{ClusterCIDR: "10.42.0.0/16"}, true },
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Raft:     soleVoter{},
		View:     st,
		Proposer: p,
	})
	node := &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: "n1", ResourceVersion: "0", Labels: map[string]string{"kubernetes.io/hostname": "n1"}},
		Status: api.NodeStatus{
			Allocatable: api.ResourceList{
				api.ResourceCPU:    api.MustParseQuantity(strconv.Itoa(podsFit)),
				api.ResourceMemory: api.MustParseQuantity("64Gi"),
				api.ResourcePods:   api.MustParseQuantity("110"),
			},
			Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}},
		},
	}
	if _, err := p.Propose(t.Context(), consensus.Put{Objects: []api.Object{node}, Mode: consensus.ModeReplace, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return l, st, p
}

// apply decodes and writes YAML documents, as an apply would.
func apply(t *testing.T, p *countingProposer, doc string) {
	t.Helper()
	objs, err := api.Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		o.GetObjectMeta().ResourceVersion = "0"
	}
	if _, err := p.Propose(t.Context(), consensus.Put{Objects: objs, Mode: consensus.ModeReplace, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// placements lists the pods as "name=node" ("" when unbound), with the
// reason of a False PodScheduled condition, sorted.
func placements(st *consensus.Store) []string {
	var out []string
	for _, o := range st.List("Pod", "", nil) {
		p := o.(*api.Pod)
		s := p.Name + "=" + p.Spec.NodeName
		for _, c := range p.Status.Conditions {
			if c.Type == api.PodScheduled && c.Status == api.ConditionFalse {
				s += "/" + c.Reason
			}
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

const bindReplicaSet = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: main
          image: shoal.local/busybox:1
          resources: {requests: {cpu: "1"}}
`

// TestPassBindsThePodsItCreates checks that the pods a controller pass
// creates are committed already bound: one pass, one write per pod.
func TestPassBindsThePodsItCreates(t *testing.T) {
	l, st, p := bindHarness(t, 4)
	apply(t, p, bindReplicaSet)
	p.puts = 0
	l.reconcileWorkloads(t.Context(), time.Now())
	got := placements(st)
	if len(got) != 2 {
		t.Fatalf("got pods %v, want 2", got)
	}
	for _, s := range got {
		if !strings.HasSuffix(s, "=n1") {
			t.Errorf("pod %s not bound to n1 by the pass that created it", s)
		}
	}
	for _, o := range st.List("Pod", "", nil) {
		if c := o.(*api.Pod).Status.Condition(api.PodScheduled); c == nil || c.Status != api.ConditionTrue {
			t.Errorf("pod %s: PodScheduled condition %+v, want True", o.GetObjectMeta().Name, c)
		}
	}
	// The two creates, plus whatever status the ReplicaSet gets; no
	// separate binding write of either pod.
	if p.puts > 3 {
		t.Errorf("got %d objects written, want at most 3 (2 bound creates, the ReplicaSet status)", p.puts)
	}
}

// TestPassPlacesPendingBeforeCreates checks that an older pending pod is
// placed before the pods the pass creates, that they share the node's
// capacity, and that a new pod that does not fit is created unbound
// (scheduled, and marked Unschedulable, by a later pass as before).
func TestPassPlacesPendingBeforeCreates(t *testing.T) {
	l, st, p := bindHarness(t, 2)
	apply(t, p, `apiVersion: v1
kind: Pod
metadata: {name: older}
spec:
  containers:
    - name: main
      image: shoal.local/busybox:1
      resources: {requests: {cpu: "1"}}
`)
	apply(t, p, bindReplicaSet)
	l.reconcileWorkloads(t.Context(), time.Now())
	got := placements(st)
	bound, unbound := 0, 0
	for _, s := range got {
		switch {
		case s == "older=n1":
		case strings.HasPrefix(s, "web-") && strings.HasSuffix(s, "=n1"):
			bound++
		case strings.HasPrefix(s, "web-") && strings.HasSuffix(s, "="):
			unbound++
		default:
			t.Errorf("unexpected pod %s", s)
		}
	}
	if bound != 1 || unbound != 1 || len(got) != 3 {
		t.Fatalf("got %v, want older and one web pod on n1, one web pod unbound with no condition yet", got)
	}
	l.reconcileWorkloads(t.Context(), time.Now())
	unschedulable := 0
	for _, s := range placements(st) {
		if strings.HasSuffix(s, "=/Unschedulable") {
			unschedulable++
		}
	}
	if unschedulable != 1 {
		t.Errorf("after a second pass got %v, want the web pod that does not fit marked Unschedulable", placements(st))
	}
}
