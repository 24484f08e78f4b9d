package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// readyPod is a Running, Ready pod of app web bound to node n1 (which is
// not in the store, so its deletion is immediate).
func readyPod(name string) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec:       api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "c", Image: "busybox"}}},
	}
	p.Status.Phase = api.PodRunning
	p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}
	return p
}

func budget(name string, minAvailable int32) *api.PodDisruptionBudget {
	m := api.FromInt32(minAvailable)
	return &api.PodDisruptionBudget{
		TypeMeta:   api.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       api.PodDisruptionBudgetSpec{MinAvailable: &m, Selector: api.SelectorFromMap(map[string]string{"app": "web"})},
	}
}

func TestEvictionHonoursBudget(t *testing.T) {
	st, c := testServer(t, readyPod("web-0"), readyPod("web-1"), readyPod("web-2"), budget("web-pdb", 2))
	code, body := c.do("POST", "/v1/pods/web-0/eviction", "")
	if code != http.StatusOK {
		t.Fatalf("evict web-0: got %d %s, want 200", code, body)
	}
	if _, ok := st.Get("Pod", "default", "web-0"); ok {
		t.Errorf("web-0 still stored after its eviction, want it gone (its node is not in the store)")
	}
	b, _ := st.Get("PodDisruptionBudget", "default", "web-pdb")
	if _, ok := b.(*api.PodDisruptionBudget).Status.DisruptedPods["web-0"]; !ok {
		t.Errorf("got disruptedPods %v, want web-0 recorded", b.(*api.PodDisruptionBudget).Status.DisruptedPods)
	}
	code, body = c.do("POST", "/v1/pods/web-1/eviction", "")
	if code != http.StatusTooManyRequests {
		t.Fatalf("evict web-1: got %d %s, want 429", code, body)
	}
	want := "cannot evict pod default/web-1 as it would violate the pod's disruption budget default/web-pdb: the disruption budget web-pdb needs 2 healthy pods and has 2 currently"
	if !strings.Contains(string(body), want) {
		t.Errorf("got body %s, want it to contain %q", body, want)
	}
	if _, ok := st.Get("Pod", "default", "web-1"); !ok {
		t.Errorf("web-1 gone after a refused eviction, want it kept")
	}
}

func TestEvictionErrors(t *testing.T) {
	tests := []struct {
		name string
		objs []api.Object
		pod  string
		code int
		want string
	}{
		{"no budget", []api.Object{readyPod("web-0")}, "web-0", http.StatusOK, "evicted"},
		{"no such pod", []api.Object{readyPod("web-0")}, "web-9", http.StatusNotFound, "web-9"},
		{"budget of zero", []api.Object{readyPod("web-0"), budget("b", 0)}, "web-0", http.StatusOK, "evicted"},
		{"budget refuses the last pod", []api.Object{readyPod("web-0"), budget("b", 1)}, "web-0", http.StatusTooManyRequests, "disruption budget default/b"},
		{"two budgets", []api.Object{readyPod("web-0"), budget("a", 0), budget("b", 0)}, "web-0", http.StatusInternalServerError, "more than one PodDisruptionBudget (default/a, default/b)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := testServer(t, tt.objs...)
			code, body := c.do("POST", "/v1/pods/"+tt.pod+"/eviction", "")
			if code != tt.code || !strings.Contains(string(body), tt.want) {
				t.Errorf("got %d %s, want %d containing %q", code, body, tt.code, tt.want)
			}
		})
	}
}
