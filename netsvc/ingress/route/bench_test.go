package route

import (
	"fmt"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// benchInput is n Ingresses, each with one host of hosts (h0.example.com
// ...) and rulesPer paths (one in three Exact, the others Prefix), over
// services with 3 ready pods each.
func benchInput(n, hosts, rulesPer int) Input {
	var in Input
	for i := range n {
		name := fmt.Sprintf("svc%d", i)
		in.Services = append(in.Services, svc("default", name,
			api.ServicePort{Name: "http", Port: 80, Protocol: api.ProtocolTCP, TargetPort: api.FromInt32(8080)}))
		for j := range 3 {
			in.Pods = append(in.Pods, pod("default", fmt.Sprintf("%s-%d", name, j), name, fmt.Sprintf("10.42.%d.%d", i%250, j+1)))
		}
		var paths []api.HTTPIngressPath
		for r := range rulesPer {
			pt := prefix
			if (i+r)%3 == 2 {
				pt = exact
			}
			paths = append(paths, pathTo(pt, fmt.Sprintf("/app%d/v%d/items", i, r), name, "http"))
		}
		in.Ingresses = append(in.Ingresses, ing(fmt.Sprintf("ing%d", i), createdAfter(i),
			rule(fmt.Sprintf("h%d.example.com", i%hosts), paths...)))
	}
	in.Ingresses[0].Spec.Rules = append(in.Ingresses[0].Spec.Rules,
		api.IngressRule{Host: "*.wild.example.com", HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{pathTo(prefix, "/", "svc0", 80)}}})
	return in
}

// BenchmarkMatch routes requests through 1,000 rules over 100 hosts.
func BenchmarkMatch(b *testing.B) {
	tab, conflicts := Build(benchInput(1000, 100, 1))
	if tab.Len() != 1001 || len(conflicts) != 0 {
		b.Fatalf("table has %d routes and %d conflicts, want 1001 and 0", tab.Len(), len(conflicts))
	}
	reqs := []struct{ name, host, path string }{
		{"prefix", "h57.example.com:80", "/app357/v0/items/12345"},
		{"exact", "H59.Example.com", "/app359/v0/items"},
		{"wildcard", "x.wild.example.com", "/static/app.js"},
		{"dirty path", "h57.example.com", "/app357/./v0//items/../items/%41bc"},
		{"miss", "nowhere.example.org", "/a/b/c"},
	}
	for _, r := range reqs {
		if _, ok := tab.Match(r.host, r.path); ok != (r.name != "miss") {
			b.Fatalf("Match(%q, %q) ok = %v", r.host, r.path, ok)
		}
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tab.Match(r.host, r.path)
			}
		})
	}
}

// BenchmarkBuild builds a table from 1,000 Ingresses of 3 paths each,
// with 1,000 services and 3,000 pods.
func BenchmarkBuild(b *testing.B) {
	in := benchInput(1000, 100, 3)
	b.ReportAllocs()
	for b.Loop() {
		Build(in)
	}
}
