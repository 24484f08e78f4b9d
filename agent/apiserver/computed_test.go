package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func testService(ns, name string, labels map[string]string) *api.Service {
	return &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: api.ServiceSpec{Type: api.ServiceTypeClusterIP, ClusterIP: "10.43.0.10", Selector: map[string]string{"app": name},
			Ports: []api.ServicePort{{Port: 80, Protocol: api.ProtocolTCP, TargetPort: api.FromInt32(8080)}}},
	}
}

func testPod(ns, name, app, ip string) *api.Pod {
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}},
		Spec:       api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "c", Image: "x"}}},
		Status: api.PodStatus{Phase: api.PodRunning, PodIP: ip,
			Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}},
	}
}

// endpointsSummary reads a list or one Endpoints object as
// "ns/name=ip:port,...".
func endpointsSummary(t *testing.T, body []byte) []string {
	t.Helper()
	var list struct {
		Items []api.Endpoints `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if list.Items == nil {
		var one api.Endpoints
		if err := json.Unmarshal(body, &one); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		list.Items = []api.Endpoints{one}
	}
	var out []string
	for _, ep := range list.Items {
		if ep.Kind != "Endpoints" {
			t.Errorf("kind: got %q, want Endpoints", ep.Kind)
		}
		var addrs []string
		for _, ss := range ep.Subsets {
			for _, a := range ss.Addresses {
				for _, p := range ss.Ports {
					addrs = append(addrs, fmt.Sprintf("%s:%d", a.IP, p.Port))
				}
			}
		}
		out = append(out, ep.Namespace+"/"+ep.Name+"="+strings.Join(addrs, ","))
	}
	return out
}

func TestEndpointsAPI(t *testing.T) {
	_, c := testServer(t,
		testService("default", "web", map[string]string{"tier": "front"}),
		testService("default", "db", map[string]string{"tier": "back"}),
		testService("prod", "web", nil),
		testPod("default", "web-1", "web", "10.42.1.5"),
		testPod("default", "web-2", "web", "10.42.2.7"),
		testPod("prod", "web-1", "web", "10.42.3.9"),
		testPod("default", "db-0", "db", "10.42.1.8"),
	)
	tests := []struct {
		name   string
		target string
		code   int
		want   []string
		errMsg string
	}{
		{"list in a namespace", "/v1/endpoints?namespace=default", 200, []string{"default/db=10.42.1.8:8080", "default/web=10.42.1.5:8080,10.42.2.7:8080"}, ""},
		{"list every namespace", "/v1/endpoints", 200, []string{"default/db=10.42.1.8:8080", "default/web=10.42.1.5:8080,10.42.2.7:8080", "prod/web=10.42.3.9:8080"}, ""},
		{"list by the service's labels", "/v1/endpoints?selector=tier%3Dfront", 200, []string{"default/web=10.42.1.5:8080,10.42.2.7:8080"}, ""},
		{"list by set-based selector", "/v1/ep?selector=tier+in+(back)", 200, []string{"default/db=10.42.1.8:8080"}, ""},
		{"get one", "/v1/endpoints/web?namespace=prod", 200, []string{"prod/web=10.42.3.9:8080"}, ""},
		{"get without service", "/v1/endpoints/nope", 404, nil, `Endpoints "nope" not found in namespace "default"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := c.do(http.MethodGet, tt.target, "")
			if code != tt.code {
				t.Fatalf("status: got %d, want %d (body %s)", code, tt.code, body)
			}
			if tt.errMsg != "" {
				var e struct{ Error string }
				if err := json.Unmarshal(body, &e); err != nil || e.Error != tt.errMsg {
					t.Errorf("error: got %q (%v), want %q", e.Error, err, tt.errMsg)
				}
				return
			}
			got := endpointsSummary(t, body)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWatchRefusesComputedKinds(t *testing.T) {
	_, c := testServer(t, testService("default", "web", nil))
	code, body := c.do(http.MethodGet, "/v1/watch?kind=ep", "")
	var e struct{ Error string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	want := "endpoints are computed on every read and cannot be watched; watch what they are computed from (services and pods)"
	if code != http.StatusBadRequest || e.Error != want {
		t.Errorf("got %d %q, want 400 %q", code, e.Error, want)
	}
}
