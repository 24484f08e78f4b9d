package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func ingFor(name string, edit func(*api.IngressSpec, *api.IngressStatus)) *api.Ingress {
	prefix := api.PathTypePrefix
	ing := &api.Ingress{
		TypeMeta:   api.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
		Spec: api.IngressSpec{Rules: []api.IngressRule{{
			Host: "app.example.com",
			HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{{
				Path: "/", PathType: &prefix,
				Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: "web", Port: api.ServiceBackendPort{Number: 80}}},
			}}},
		}}},
	}
	if edit != nil {
		edit(&ing.Spec, &ing.Status)
	}
	return ing
}

func hostRule(host string) api.IngressRule {
	return api.IngressRule{Host: host, HTTP: &api.HTTPIngressRuleValue{}}
}

func TestIngressTable(t *testing.T) {
	shoal := "shoal"
	tests := []struct {
		name string
		ing  *api.Ingress
		want string
	}{
		{
			name: "one host, no class, no address yet",
			ing:  ingFor("web", nil),
			want: "NAME   CLASS    HOSTS             ADDRESS   PORTS   AGE\n" +
				"web    <none>   app.example.com             80      <unknown>\n",
		},
		{
			name: "class, addresses and TLS",
			ing: ingFor("web", func(s *api.IngressSpec, st *api.IngressStatus) {
				s.IngressClassName = &shoal
				s.TLS = []api.IngressTLS{{Hosts: []string{"app.example.com"}, SecretName: "web-tls"}}
				st.LoadBalancer.Ingress = []api.LoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}, {IP: "10.0.0.3"}}
			}),
			want: "NAME   CLASS   HOSTS             ADDRESS                      PORTS     AGE\n" +
				"web    shoal   app.example.com   10.0.0.1,10.0.0.2,10.0.0.3   80, 443   <unknown>\n",
		},
		{
			name: "every host",
			ing: ingFor("web", func(s *api.IngressSpec, _ *api.IngressStatus) {
				s.Rules[0].Host = ""
			}),
			want: "NAME   CLASS    HOSTS   ADDRESS   PORTS   AGE\n" +
				"web    <none>   *                 80      <unknown>\n",
		},
		{
			name: "default backend only",
			ing: ingFor("web", func(s *api.IngressSpec, _ *api.IngressStatus) {
				s.Rules = nil
				s.DefaultBackend = &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "web", Port: api.ServiceBackendPort{Number: 80}}}
			}),
			want: "NAME   CLASS    HOSTS   ADDRESS   PORTS   AGE\n" +
				"web    <none>   *                 80      <unknown>\n",
		},
		{
			name: "hosts skip the empty one",
			ing: ingFor("web", func(s *api.IngressSpec, _ *api.IngressStatus) {
				s.Rules = []api.IngressRule{hostRule("a.example.com"), hostRule(""), hostRule("*.example.com")}
			}),
			want: "NAME   CLASS    HOSTS                         ADDRESS   PORTS   AGE\n" +
				"web    <none>   a.example.com,*.example.com             80      <unknown>\n",
		},
		{
			name: "more than three hosts",
			ing: ingFor("web", func(s *api.IngressSpec, _ *api.IngressStatus) {
				s.Rules = []api.IngressRule{hostRule("a.io"), hostRule("b.io"), hostRule("c.io"), hostRule("d.io"), hostRule("e.io")}
			}),
			want: "NAME   CLASS    HOSTS                        ADDRESS   PORTS   AGE\n" +
				"web    <none>   a.io,b.io,c.io + 2 more...             80      <unknown>\n",
		},
	}
	for _, alias := range []string{"ingress", "ing", "ingresses"} {
		kind, ok := api.LookupKind(alias)
		if !ok || kind.Name != "Ingress" {
			t.Fatalf("LookupKind(%q) = %v, %t; want Ingress", alias, kind, ok)
		}
	}
	kind, _ := api.LookupKind("ing")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := printTable(&b, kind, []api.Object{tt.ing}, false, false); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestIngressClassTable(t *testing.T) {
	kind, ok := api.LookupKind("ingressclass")
	if !ok {
		t.Fatal("LookupKind(ingressclass): not found")
	}
	objs := []api.Object{
		&api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "shoal"}, Spec: api.IngressClassSpec{Controller: api.IngressController}},
		&api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "nginx"}, Spec: api.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
	}
	var b strings.Builder
	if err := printTable(&b, kind, objs, false, false); err != nil {
		t.Fatal(err)
	}
	want := "NAME    CONTROLLER             AGE\n" +
		"shoal   shoal.dev/ingress      <unknown>\n" +
		"nginx   k8s.io/ingress-nginx   <unknown>\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestDescribeIngress(t *testing.T) {
	exact, prefix := api.PathTypeExact, api.PathTypePrefix
	ing := ingFor("shop", func(s *api.IngressSpec, st *api.IngressStatus) {
		s.DefaultBackend = &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "missing", Port: api.ServiceBackendPort{Number: 80}}}
		s.TLS = []api.IngressTLS{{Hosts: []string{"app.example.com", "www.example.com"}, SecretName: "shop-tls"}}
		s.Rules[0].HTTP.Paths = append(s.Rules[0].HTTP.Paths,
			api.HTTPIngressPath{Path: "/api", PathType: &exact, Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: "api", Port: api.ServiceBackendPort{Name: "grpc"}}}},
			api.HTTPIngressPath{Path: "/admin", PathType: &prefix, Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: "web", Port: api.ServiceBackendPort{Number: 9090}}}},
		)
		s.Rules = append(s.Rules, api.IngressRule{HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{
			{Path: "/", PathType: &prefix, Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: "api", Port: api.ServiceBackendPort{Name: "http"}}}},
		}}})
		st.LoadBalancer.Ingress = []api.LoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}
	})
	ing.Annotations = map[string]string{api.AnnotationSSLRedirect: "true"}
	backends := map[string]backendInfo{
		"web": {
			svc: svcFor("web", nil),
			ep: &api.Endpoints{Subsets: []api.EndpointSubset{{
				Addresses: epAddrs("10.42.1.5", "10.42.2.7"),
				Ports:     []api.EndpointPort{{Name: "http", Port: 8080}},
			}}},
		},
		"api": {
			svc: svcFor("api", func(s *api.ServiceSpec, _ *api.ServiceStatus) {
				s.Ports = []api.ServicePort{{Name: "http", Port: 80}, {Name: "grpc", Port: 9000}}
			}),
			ep: &api.Endpoints{Subsets: []api.EndpointSubset{{
				Addresses: epAddrs("10.42.3.9"),
				Ports:     []api.EndpointPort{{Name: "grpc", Port: 9000}},
			}}},
		},
		"missing": {err: errors.New(`service "missing" not found`)},
	}
	var b strings.Builder
	if err := describeIngress(&b, ing, func(name string) backendInfo { return backends[name] }); err != nil {
		t.Fatal(err)
	}
	want := `Name:             shop
Labels:           <none>
Namespace:        default
Address:          10.0.0.1, 10.0.0.2
Ingress Class:    <none>
Default backend:  missing:80 (<error: service "missing" not found>)
TLS:
  shop-tls terminates app.example.com,www.example.com
Rules:
  Host             Path             Backends
  ----             ----             --------
  app.example.com                   ` + `
                   / (Prefix)       web:80 (10.42.1.5:8080,10.42.2.7:8080)
                   /api (Exact)     api:grpc (10.42.3.9:9000)
                   /admin (Prefix)  web:9090 (<error: service "web" has no port 9090>)
  *                                 ` + `
                   / (Prefix)       api:http (<none>)
Annotations:      shoal.dev/ssl-redirect=true
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
