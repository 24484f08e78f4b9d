package apiserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func nodeWithPods(name string, pods int) *api.Node {
	return &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: name},
		Status: api.NodeStatus{Allocatable: api.ResourceList{api.ResourcePods: api.MustParseQuantity(fmt.Sprint(pods))}}}
}

func deploymentWith(name string, replicas int) string {
	return strings.NewReplacer("name: web", "name: "+name, "replicas: 1", fmt.Sprintf("replicas: %d", replicas)).Replace(deployment)
}

// TestReplicasWithinClusterCapacity asks for more replicas than the
// cluster can run, through apply and scale.
func TestReplicasWithinClusterCapacity(t *testing.T) {
	tests := []struct {
		name         string
		nodes        int // of 110 pods each
		stored       int // replicas of Deployment "old", stored before (0: none)
		method, path string
		body         string
		wantCode     int
		wantErr      string
	}{
		{name: "no nodes yet: the floor", method: http.MethodPost, path: "/v1/apply", body: deploymentWith("web", 500), wantCode: 200},
		{name: "no nodes yet: over the floor", method: http.MethodPost, path: "/v1/apply", body: deploymentWith("web", 501), wantCode: 400,
			wantErr: "spec.replicas: got 501, want at most 500 (2 × the 0 pods this cluster's 0 nodes can run, at least 500, at most 10000)"},
		{name: "three nodes: twice their pods", nodes: 3, method: http.MethodPost, path: "/v1/apply", body: deploymentWith("web", 660), wantCode: 200},
		{name: "three nodes: one more", nodes: 3, method: http.MethodPost, path: "/v1/apply", body: deploymentWith("web", 661), wantCode: 400,
			wantErr: "got 661, want at most 660 (2 × the 330 pods this cluster's 3 nodes can run"},
		{name: "scale past it", nodes: 3, stored: 10, method: http.MethodPost, path: "/v1/deployments/old/scale?replicas=5000", wantCode: 400, wantErr: "got 5000, want at most 660"},
		{name: "over already: other changes pass", nodes: 1, stored: 2000, method: http.MethodPost, path: "/v1/apply", body: strings.Replace(deploymentWith("old", 2000), "image: nginx", "image: nginx:2", 1), wantCode: 200},
		{name: "over already: scale down passes", nodes: 1, stored: 2000, method: http.MethodPost, path: "/v1/deployments/old/scale?replicas=1000", wantCode: 200},
		{name: "over already: scale up refused", nodes: 1, stored: 2000, method: http.MethodPost, path: "/v1/deployments/old/scale?replicas=2001", wantCode: 400, wantErr: "got 2001, want at most 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []api.Object
			for i := range tt.nodes {
				objs = append(objs, nodeWithPods(fmt.Sprintf("n%d", i), 110))
			}
			if tt.stored > 0 {
				objs = append(objs, mustDecode(t, deploymentWith("old", tt.stored)))
			}
			_, c := testServer(t, objs...)
			code, body := c.do(tt.method, tt.path, tt.body)
			if code != tt.wantCode {
				t.Fatalf("status: got %d, want %d (body %s)", code, tt.wantCode, body)
			}
			if tt.wantErr != "" && !strings.Contains(string(body), tt.wantErr) {
				t.Fatalf("got %s, want an error containing %q", body, tt.wantErr)
			}
		})
	}
}

func mustDecode(t *testing.T, manifest string) api.Object {
	t.Helper()
	objs, err := api.Decode([]byte(manifest))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: got %v, %v; want one object", objs, err)
	}
	return objs[0]
}

func TestReplicaLimit(t *testing.T) {
	tests := []struct {
		name     string
		capacity int64
		fixed    int
		want     int64
	}{
		{"no nodes", 0, 0, 500},
		{"one node of 110", 110, 0, 500},
		{"ten nodes of 110", 1100, 0, 2200},
		{"a hundred nodes of 110", 11000, 0, 10000},
		{"--max-replicas below", 11000, 50, 50},
		{"--max-replicas above capacity", 110, 3000, 3000},
		{"--max-replicas above the ceiling", 110, 20000, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := replicaLimit(tt.capacity, tt.fixed); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
