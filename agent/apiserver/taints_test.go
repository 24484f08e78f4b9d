package apiserver

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/shoal-dev/shoal/api"
)

func TestTaintEndpoint(t *testing.T) {
	node := &api.Node{TypeMeta: api.TypeMeta{Kind: "Node", APIVersion: "v1"}, ObjectMeta: api.ObjectMeta{Name: "n2"}, Spec: api.NodeSpec{PodCIDR: "10.42.2.0/24"}}
	st, c := testServer(t, node)
	path := func(changes ...string) string {
		q := url.Values{"change": changes}
		return "/v1/nodes/n2/taint?" + q.Encode()
	}
	steps := []struct {
		name string
		path string
		code int
		want []api.Taint // stored afterwards
		err  string
	}{
		{"add two", path("dedicated=gpu:NoSchedule", "x:NoExecute"), 200,
			[]api.Taint{{Key: "dedicated", Value: "gpu", Effect: api.TaintNoSchedule}, {Key: "x", Effect: api.TaintNoExecute}}, ""},
		{"replace a value", path("dedicated=cpu:NoSchedule"), 200,
			[]api.Taint{{Key: "dedicated", Value: "cpu", Effect: api.TaintNoSchedule}, {Key: "x", Effect: api.TaintNoExecute}}, ""},
		{"remove one", path("x:NoExecute-"), 200,
			[]api.Taint{{Key: "dedicated", Value: "cpu", Effect: api.TaintNoSchedule}}, ""},
		{"remove missing", path("x:NoExecute-"), 400,
			[]api.Taint{{Key: "dedicated", Value: "cpu", Effect: api.TaintNoSchedule}}, `taint \"x:NoExecute\" not found`},
		{"bad effect", path("a:Never"), 400,
			[]api.Taint{{Key: "dedicated", Value: "cpu", Effect: api.TaintNoSchedule}}, `unknown effect \"Never\"`},
		{"none given", "/v1/nodes/n2/taint", 400,
			[]api.Taint{{Key: "dedicated", Value: "cpu", Effect: api.TaintNoSchedule}}, "no taint changes"},
		{"remove every effect of a key", path("dedicated-"), 200, nil, ""},
		{"unknown node", "/v1/nodes/nope/taint?change=a:NoSchedule", 404, nil, "nope"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, body := c.do(http.MethodPost, s.path, "")
			if code != s.code {
				t.Fatalf("status: got %d, want %d (body %s)", code, s.code, body)
			}
			if s.err != "" && !strings.Contains(string(body), s.err) {
				t.Errorf("got %s, want an error containing %q", body, s.err)
			}
			cur, _ := st.Get("Node", "", "n2")
			got := cur.(*api.Node).Spec.Taints
			if diff := cmp.Diff(s.want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(api.Taint{}, "TimeAdded")); diff != "" {
				t.Errorf("stored taints (-want +got):\n%s", diff)
			}
			for _, tn := range got {
				if (tn.TimeAdded != nil) != (tn.Effect == api.TaintNoExecute) {
					t.Errorf("taint %s: got timeAdded %v, want it set only for NoExecute", tn, tn.TimeAdded)
				}
			}
		})
	}
}
