package route

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

func TestOwns(t *testing.T) {
	const other = "k8s.io/ingress-nginx"
	tests := []struct {
		name    string
		ing     *api.Ingress
		classes []*api.IngressClass
		want    bool
	}{
		{"no class, no IngressClass", ing("a"), nil, true},
		{"no class, IngressClasses without default", ing("a"),
			[]*api.IngressClass{ingressClass("nginx", other, false)}, true},
		{"no class, our class is default", ing("a"),
			[]*api.IngressClass{ingressClass("mine", api.IngressController, true)}, true},
		{"no class, another controller's class is default", ing("a"),
			[]*api.IngressClass{ingressClass("nginx", other, true)}, false},
		{"no class, ours and another's both default", ing("a"),
			[]*api.IngressClass{ingressClass("nginx", other, true), ingressClass("mine", api.IngressController, true)}, true},
		{"no class, default annotation not true", ing("a"),
			[]*api.IngressClass{func() *api.IngressClass {
				c := ingressClass("nginx", other, true)
				c.Annotations[api.AnnotationDefaultIngressClass] = "yes"
				return c
			}()}, true},
		{"empty class is no class", ing("a", class("")), nil, true},
		{"class shoal without IngressClass", ing("a", class(api.IngressClassShoal)), nil, true},
		{"class shoal while another's class is default", ing("a", class(api.IngressClassShoal)),
			[]*api.IngressClass{ingressClass("nginx", other, true)}, true},
		{"class naming our IngressClass", ing("a", class("public")),
			[]*api.IngressClass{ingressClass("public", api.IngressController, false)}, true},
		{"class naming another controller's IngressClass", ing("a", class("nginx")),
			[]*api.IngressClass{ingressClass("nginx", other, false)}, false},
		{"class naming no IngressClass", ing("a", class("missing")), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Owns(tt.ing, tt.classes); got != tt.want {
				t.Errorf("Owns = %v, want %v", got, tt.want)
			}
			tab, _ := Build(Input{
				Ingresses:      []*api.Ingress{func() *api.Ingress { tt.ing.Spec.DefaultBackend = backend("svc", 80); return tt.ing }()},
				IngressClasses: tt.classes,
			})
			if _, got := tab.Match("x", "/"); got != tt.want {
				t.Errorf("Build served the Ingress: %v, want %v", got, tt.want)
			}
		})
	}
}

func ingKey(name string) api.Key { return api.Key{Kind: "Ingress", Namespace: "default", Name: name} }

func TestBuildConflicts(t *testing.T) {
	tests := []struct {
		name          string
		ings          []*api.Ingress
		host, path    string
		wantRoute     string
		wantConflicts []Conflict
	}{
		{
			name: "older Ingress wins the same host and path",
			ings: []*api.Ingress{
				ing("young", createdAfter(5), rule("a.com", path(prefix, "/x", "young"))),
				ing("old", createdAfter(1), rule("a.com", path(prefix, "/x", "old"))),
			},
			host: "a.com", path: "/x", wantRoute: "old",
			wantConflicts: []Conflict{{Loser: ingKey("young"), Winner: ingKey("old"), Host: "a.com", Path: "/x", PathType: prefix}},
		},
		{
			name: "equal age goes by namespace then name",
			ings: []*api.Ingress{
				ing("b", rule("a.com", path(exact, "/x", "b"))),
				ing("a", rule("a.com", path(exact, "/x", "a"))),
			},
			host: "a.com", path: "/x", wantRoute: "a",
			wantConflicts: []Conflict{{Loser: ingKey("b"), Winner: ingKey("a"), Host: "a.com", Path: "/x", PathType: exact}},
		},
		{
			name: "namespace orders before name",
			ings: []*api.Ingress{
				ing("a", namespace("zz"), rule("", path(prefix, "/", "zz-a"))),
				ing("z", namespace("aa"), rule("", path(prefix, "/", "aa-z"))),
			},
			host: "x", path: "/", wantRoute: "aa-z",
			wantConflicts: []Conflict{{Loser: api.Key{Kind: "Ingress", Namespace: "zz", Name: "a"},
				Winner: api.Key{Kind: "Ingress", Namespace: "aa", Name: "z"}, Path: "/", PathType: prefix}},
		},
		{
			name: "an Ingress without timestamp is the youngest",
			ings: []*api.Ingress{
				ing("a", noTimestamp, rule("", path(prefix, "/", "a"))),
				ing("b", createdAfter(60), rule("", path(prefix, "/", "b"))),
			},
			host: "x", path: "/", wantRoute: "b",
			wantConflicts: []Conflict{{Loser: ingKey("a"), Winner: ingKey("b"), Path: "/", PathType: prefix}},
		},
		{
			name: "Prefix and ImplementationSpecific on the same path conflict",
			ings: []*api.Ingress{
				ing("old", rule("a.com", path(implSpec, "/x", "old"))),
				ing("new", createdAfter(1), rule("A.com", path(prefix, "/x/", "new"))),
			},
			host: "a.com", path: "/x", wantRoute: "old",
			wantConflicts: []Conflict{{Loser: ingKey("new"), Winner: ingKey("old"), Host: "A.com", Path: "/x/", PathType: prefix}},
		},
		{
			name: "Exact and Prefix on the same path do not conflict",
			ings: []*api.Ingress{
				ing("old", rule("a.com", path(prefix, "/x", "prefix"))),
				ing("new", createdAfter(1), rule("a.com", path(exact, "/x", "exact"))),
			},
			host: "a.com", path: "/x", wantRoute: "exact",
		},
		{
			name: "different hosts do not conflict, nor a host and its wildcard",
			ings: []*api.Ingress{
				ing("old", rule("a.com", path(prefix, "/", "a")), rule("*.a.com", path(prefix, "/", "wild"))),
				ing("new", createdAfter(1), rule("b.a.com", path(prefix, "/", "b"))),
			},
			host: "b.a.com", path: "/", wantRoute: "b",
		},
		{
			name: "paths merge across Ingresses on one host",
			ings: []*api.Ingress{
				ing("old", rule("a.com", path(prefix, "/", "root"))),
				ing("new", createdAfter(1), rule("a.com", path(prefix, "/api", "api"))),
			},
			host: "a.com", path: "/api/v1", wantRoute: "api",
		},
		{
			name: "the same rule twice in one Ingress: the first wins",
			ings: []*api.Ingress{
				ing("dup", rule("a.com", path(prefix, "/x", "first")), rule("a.com", path(prefix, "/x", "second"))),
			},
			host: "a.com", path: "/x", wantRoute: "first",
			wantConflicts: []Conflict{{Loser: ingKey("dup"), Winner: ingKey("dup"), Host: "a.com", Path: "/x", PathType: prefix}},
		},
		{
			name: "oldest defaultBackend wins",
			ings: []*api.Ingress{
				ing("new", createdAfter(2), defaultBackend("new")),
				ing("old", createdAfter(1), defaultBackend("old")),
			},
			host: "a.com", path: "/", wantRoute: "old",
			wantConflicts: []Conflict{{Loser: ingKey("new"), Winner: ingKey("old")}},
		},
		{
			name: "Ingresses that are not ours never win",
			ings: []*api.Ingress{
				ing("theirs", class("nginx"), rule("a.com", path(prefix, "/", "theirs"))),
				ing("ours", createdAfter(1), rule("a.com", path(prefix, "/", "ours"))),
			},
			host: "a.com", path: "/", wantRoute: "ours",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, conflicts := Build(Input{Ingresses: tt.ings})
			if got := routeOf(tab.Match(tt.host, tt.path)); got != tt.wantRoute {
				t.Errorf("Match(%q, %q) went to %q, want %q", tt.host, tt.path, got, tt.wantRoute)
			}
			if diff := cmp.Diff(tt.wantConflicts, conflicts); diff != "" {
				t.Errorf("conflicts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBuildDeterministic builds the same Ingresses in many orders and
// wants the same routes and conflicts every time.
func TestBuildDeterministic(t *testing.T) {
	var ings []*api.Ingress
	for i := range 12 {
		name := string(rune('a' + i))
		ings = append(ings, ing(name, createdAfter(i%3),
			rule("a.com", path(prefix, "/", name), path(exact, "/e", name)),
			rule("", path(prefix, "/"+name, name)),
			defaultBackend(name)))
	}
	want, wantConflicts := Build(Input{Ingresses: ings})
	reqs := []struct{ host, path string }{{"a.com", "/"}, {"a.com", "/e"}, {"b.com", "/c"}, {"b.com", "/zzz"}}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := slices.Clone(ings)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got, conflicts := Build(Input{Ingresses: shuffled})
		for _, r := range reqs {
			if g, w := routeOf(got.Match(r.host, r.path)), routeOf(want.Match(r.host, r.path)); g != w {
				t.Errorf("Match(%q, %q) went to %q after a shuffle, want %q", r.host, r.path, g, w)
			}
		}
		if diff := cmp.Diff(wantConflicts, conflicts); diff != "" {
			t.Errorf("conflicts after a shuffle (-want +got):\n%s", diff)
		}
	}
}

func TestBuildBackends(t *testing.T) {
	tcp := func(name string, port int32, target api.IntOrString, appProto string) api.ServicePort {
		return api.ServicePort{Name: name, Port: port, Protocol: api.ProtocolTCP, TargetPort: target, AppProtocol: appProto}
	}
	services := []*api.Service{
		svc("default", "web",
			tcp("http", 80, api.FromInt32(8080), ""),
			tcp("grpc", 9000, api.FromString("grpc"), "kubernetes.io/h2c"),
			api.ServicePort{Name: "dns", Port: 53, Protocol: api.ProtocolUDP, TargetPort: api.FromInt32(53)}),
		svc("default", "nosel", tcp("", 80, api.IntOrString{}, "")),
		svc("other", "web", tcp("http", 80, api.FromInt32(7070), "")),
		func() *api.Service {
			s := svc("default", "ext", tcp("", 80, api.IntOrString{}, ""))
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Selector = api.ServiceTypeExternalName, "example.org", nil
			return s
		}(),
	}
	services[1].Spec.Selector = nil
	grpcPort := containerPorts(api.ContainerPort{Name: "grpc", ContainerPort: 9090, Protocol: api.ProtocolTCP})
	pods := []*api.Pod{
		pod("default", "web-2", "web", "10.42.1.5", grpcPort),
		pod("default", "web-1", "web", "10.42.0.7", grpcPort),
		pod("default", "web-unready", "web", "10.42.0.8", notReady, grpcPort),
		pod("default", "web-terminating", "web", "10.42.0.9", terminating, grpcPort),
		pod("default", "web-noport", "web", "10.42.0.10"), // no grpc port: only in numeric-target backends
		pod("default", "web-unplaced", "web", "10.42.0.11", func(p *api.Pod) { p.Spec.NodeName = "" }),
		pod("default", "web-done", "web", "10.42.0.12", func(p *api.Pod) { p.Status.Phase = api.PodSucceeded }),
		pod("default", "web-noip", "web", ""),
		pod("other", "web-other", "web", "10.42.2.2"),
		pod("default", "api-1", "api", "10.42.0.20"),
	}
	ings := []*api.Ingress{
		ing("main", annotate(api.AnnotationSSLRedirect, "true"), rule("a.com",
			pathTo(prefix, "/num", "web", 80),
			pathTo(prefix, "/name", "web", "http"),
			pathTo(prefix, "/grpc", "web", "grpc"),
			pathTo(prefix, "/grpc-num", "web", 9000),
			pathTo(prefix, "/target-num", "web", 8080),
			pathTo(prefix, "/udp", "web", "dns"),
			pathTo(prefix, "/missing-port", "web", "nope"),
			pathTo(prefix, "/missing-svc", "gone", 80),
			pathTo(prefix, "/nosel", "nosel", 80),
			pathTo(prefix, "/ext", "ext", 80),
			api.HTTPIngressPath{Path: "/nosvc", PathType: ptr(prefix), Backend: api.IngressBackend{}},
		)),
		ing("main", namespace("other"), createdAfter(1), rule("b.com", pathTo(prefix, "/", "web", "http"))),
		ing("plain", createdAfter(2), annotate(api.AnnotationSSLRedirect, "True"), rule("c.com", pathTo(prefix, "/", "web", 80))),
	}
	tab, conflicts := Build(Input{Ingresses: ings, Services: services, Pods: pods})
	if len(conflicts) != 0 {
		t.Fatalf("conflicts %v, want none", conflicts)
	}
	tests := []struct {
		name, host, path string
		want             Backend
		wantAddrs        string
	}{
		{"port by number", "a.com", "/num", Backend{Ingress: ingKey("main"), Port: "80", SSLRedirect: true},
			"10.42.0.7:8080 10.42.0.10:8080 10.42.1.5:8080"},
		{"port by name", "a.com", "/name", Backend{Ingress: ingKey("main"), Port: "http", SSLRedirect: true},
			"10.42.0.7:8080 10.42.0.10:8080 10.42.1.5:8080"},
		{"named target port resolved per pod, appProtocol", "a.com", "/grpc",
			Backend{Ingress: ingKey("main"), Port: "grpc", AppProtocol: "kubernetes.io/h2c", SSLRedirect: true},
			"10.42.0.7:9090 10.42.1.5:9090"},
		{"named target port by service port number", "a.com", "/grpc-num",
			Backend{Ingress: ingKey("main"), Port: "9000", AppProtocol: "kubernetes.io/h2c", SSLRedirect: true},
			"10.42.0.7:9090 10.42.1.5:9090"},
		{"a target port number is not a service port", "a.com", "/target-num", Backend{Ingress: ingKey("main"), Port: "8080", SSLRedirect: true}, ""},
		{"a UDP port carries no HTTP", "a.com", "/udp", Backend{Ingress: ingKey("main"), Port: "dns", SSLRedirect: true}, ""},
		{"missing port", "a.com", "/missing-port", Backend{Ingress: ingKey("main"), Port: "nope", SSLRedirect: true}, ""},
		{"missing service", "a.com", "/missing-svc",
			Backend{Ingress: ingKey("main"), Service: api.Key{Kind: "Service", Namespace: "default", Name: "gone"}, Port: "80", SSLRedirect: true}, ""},
		{"service without selector", "a.com", "/nosel",
			Backend{Ingress: ingKey("main"), Service: api.Key{Kind: "Service", Namespace: "default", Name: "nosel"}, Port: "80", SSLRedirect: true}, ""},
		{"ExternalName service", "a.com", "/ext",
			Backend{Ingress: ingKey("main"), Service: api.Key{Kind: "Service", Namespace: "default", Name: "ext"}, Port: "80", SSLRedirect: true}, ""},
		{"backend without service", "a.com", "/nosvc", Backend{Ingress: ingKey("main"), SSLRedirect: true}, ""},
		{"service in the Ingress's namespace", "b.com", "/",
			Backend{Ingress: api.Key{Kind: "Ingress", Namespace: "other", Name: "main"},
				Service: api.Key{Kind: "Service", Namespace: "other", Name: "web"}, Port: "http"},
			"10.42.2.2:7070"},
		{"ssl-redirect only for exactly true", "c.com", "/", Backend{Ingress: ingKey("plain"), Port: "80"},
			"10.42.0.7:8080 10.42.0.10:8080 10.42.1.5:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tab.Match(tt.host, tt.path)
			if !ok {
				t.Fatalf("Match(%q, %q) matched nothing", tt.host, tt.path)
			}
			want := tt.want
			if want.Service == (api.Key{}) && tt.name != "backend without service" {
				want.Service = api.Key{Kind: "Service", Namespace: "default", Name: "web"}
			}
			if diff := cmp.Diff(want, *got, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Endpoints" }, cmp.Ignore())); diff != "" {
				t.Errorf("backend (-want +got):\n%s", diff)
			}
			if a := addrs(got); a != tt.wantAddrs {
				t.Errorf("endpoints %q, want %q", a, tt.wantAddrs)
			}
		})
	}
	t.Run("paths naming the same service port share one Backend", func(t *testing.T) {
		a, _ := tab.Match("a.com", "/name")
		b, _ := tab.Match("a.com", "/name/x")
		if a != b {
			t.Errorf("got two Backends %p and %p, want one", a, b)
		}
		if n, want := len(tab.Backends()), 13; n != want {
			t.Errorf("Backends() has %d, want %d", n, want)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestTableSummary(t *testing.T) {
	tab, _ := Build(Input{Ingresses: []*api.Ingress{
		ing("a", rule("b.com", path(prefix, "/", "x"), path(exact, "/e", "x")),
			rule("*.a.com", path(prefix, "/", "y")), rule("", path(prefix, "/", "z")),
			rule("claimed.com"), defaultBackend("d")),
		ing("b", createdAfter(1), rule("b.com", path(prefix, "/", "lost"))),
	}})
	if got, want := tab.Len(), 5; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if diff := cmp.Diff([]string{"*.a.com", "b.com", "claimed.com"}, tab.Hosts()); diff != "" {
		t.Errorf("Hosts() (-want +got):\n%s", diff)
	}
	d, ok := tab.Default()
	if !ok || d.Service.Name != "d" {
		t.Errorf("Default() = %v, %v; want service d", d, ok)
	}
}

func TestTLSSecret(t *testing.T) {
	tab, _ := Build(Input{Ingresses: []*api.Ingress{
		ing("new", createdAfter(1), tls("new-cert", "a.example.com", "b.example.com")),
		ing("old", namespace("web"), tls("old-cert", "A.example.com", "*.example.com"), tls("", "nosecret.example.com"),
			tls("hostless")),
		ing("theirs", class("nginx"), tls("their-cert", "c.example.com")),
	}})
	secret := func(ns, name string) string { return api.Key{Kind: "Secret", Namespace: ns, Name: name}.String() }
	tests := []struct{ name, host, want string }{
		{"oldest wins a duplicate host", "a.example.com", secret("web", "old-cert")},
		{"exact host before wildcard", "b.example.com", secret("default", "new-cert")},
		{"wildcard", "z.example.com", secret("web", "old-cert")},
		{"wildcard covers one label", "y.z.example.com", "none"},
		{"wildcard does not cover the parent", "example.com", "none"},
		{"case, port and trailing dot ignored", "A.EXAMPLE.COM.:443", secret("web", "old-cert")},
		{"entry without secret ignored", "nosecret.example.com", secret("web", "old-cert")},
		{"Ingress that is not ours ignored", "c.example.com", secret("web", "old-cert")},
		{"other domain", "example.org", "none"},
		{"empty", "", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := "none"
			if s, ok := tab.TLSSecret(tt.host); ok {
				got = s.String()
			}
			if got != tt.want {
				t.Errorf("TLSSecret(%q) = %s, want %s", tt.host, got, tt.want)
			}
		})
	}
}
