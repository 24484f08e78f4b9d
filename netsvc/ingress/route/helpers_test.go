package route

import (
	"fmt"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// epoch is the creation time of the oldest test Ingress; ing's age
// option counts minutes after it.
var epoch = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// ing is Ingress "default/name", created at epoch, with opts applied.
func ing(name string, opts ...func(*api.Ingress)) *api.Ingress {
	created := epoch
	i := &api.Ingress{
		TypeMeta:   api.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, CreationTimestamp: &created},
	}
	for _, o := range opts {
		o(i)
	}
	return i
}

func namespace(ns string) func(*api.Ingress) { return func(i *api.Ingress) { i.Namespace = ns } }

// createdAfter sets the Ingress's creation time to epoch plus m minutes.
func createdAfter(m int) func(*api.Ingress) {
	return func(i *api.Ingress) {
		t := epoch.Add(time.Duration(m) * time.Minute)
		i.CreationTimestamp = &t
	}
}

func noTimestamp(i *api.Ingress) { i.CreationTimestamp = nil }

func class(name string) func(*api.Ingress) {
	return func(i *api.Ingress) { i.Spec.IngressClassName = &name }
}

func annotate(k, v string) func(*api.Ingress) {
	return func(i *api.Ingress) {
		if i.Annotations == nil {
			i.Annotations = map[string]string{}
		}
		i.Annotations[k] = v
	}
}

// defaultBackend sets spec.defaultBackend to service svc port 80.
func defaultBackend(svc string) func(*api.Ingress) {
	return func(i *api.Ingress) { i.Spec.DefaultBackend = backend(svc, 80) }
}

// rule adds a rule for host (empty: every host) with paths; no paths
// gives a rule without http.
func rule(host string, paths ...api.HTTPIngressPath) func(*api.Ingress) {
	return func(i *api.Ingress) {
		r := api.IngressRule{Host: host}
		if len(paths) > 0 {
			r.HTTP = &api.HTTPIngressRuleValue{Paths: paths}
		}
		i.Spec.Rules = append(i.Spec.Rules, r)
	}
}

func tls(secret string, hosts ...string) func(*api.Ingress) {
	return func(i *api.Ingress) {
		i.Spec.TLS = append(i.Spec.TLS, api.IngressTLS{Hosts: hosts, SecretName: secret})
	}
}

// path routes p of type pt to service svc port 80.
func path(pt api.PathType, p, svc string) api.HTTPIngressPath {
	return api.HTTPIngressPath{Path: p, PathType: &pt, Backend: *backend(svc, 80)}
}

// pathTo routes p of type pt to port (a number or a name) of service svc.
func pathTo(pt api.PathType, p, svc string, port any) api.HTTPIngressPath {
	hp := path(pt, p, svc)
	switch v := port.(type) {
	case int:
		hp.Backend.Service.Port = api.ServiceBackendPort{Number: int32(v)}
	case string:
		hp.Backend.Service.Port = api.ServiceBackendPort{Name: v}
	}
	return hp
}

func backend(svc string, port int32) *api.IngressBackend {
	return &api.IngressBackend{Service: &api.IngressServiceBackend{Name: svc, Port: api.ServiceBackendPort{Number: port}}}
}

const (
	exact    = api.PathTypeExact
	prefix   = api.PathTypePrefix
	implSpec = api.PathTypeImplementationSpecific
)

// ingressClass is IngressClass name of controller, marked default if def.
func ingressClass(name, controller string, def bool) *api.IngressClass {
	c := &api.IngressClass{
		TypeMeta:   api.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec:       api.IngressClassSpec{Controller: controller},
	}
	if def {
		c.Annotations = map[string]string{api.AnnotationDefaultIngressClass: "true"}
	}
	return c
}

// routeOf names where a request went: the backend's service name, or
// "404" when nothing matched.
func routeOf(b *Backend, ok bool) string {
	switch {
	case !ok && b != nil:
		return fmt.Sprintf("ok=false with backend %s", b.Service.Name)
	case !ok:
		return "404"
	case b == nil:
		return "ok=true with nil backend"
	}
	return b.Service.Name
}

// table builds a Table from Ingresses alone (no services: every backend
// is known by its service name only).
func table(ings ...*api.Ingress) *Table {
	t, _ := Build(Input{Ingresses: ings})
	return t
}

// svc is Service "ns/name" selecting app=name with ports.
func svc(ns, name string, ports ...api.ServicePort) *api.Service {
	return &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name},
		Spec: api.ServiceSpec{
			Type:     api.ServiceTypeClusterIP,
			Selector: map[string]string{"app": name},
			Ports:    ports,
		},
	}
}

// pod is a running, ready pod "ns/name" labelled app=app with ip.
func pod(ns, name, app, ip string, opts ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + name, Labels: map[string]string{"app": app}},
		Spec:       api.PodSpec{NodeName: "n1", Containers: []api.Container{{Name: "c", Image: "x"}}},
		Status: api.PodStatus{
			Phase:      api.PodRunning,
			PodIP:      ip,
			Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func notReady(p *api.Pod) { p.Status.Conditions[0].Status = api.ConditionFalse }

func terminating(p *api.Pod) {
	t := epoch.Add(time.Hour)
	p.DeletionTimestamp = &t
}

func containerPorts(ps ...api.ContainerPort) func(*api.Pod) {
	return func(p *api.Pod) { p.Spec.Containers[0].Ports = ps }
}

// addrs formats endpoints as "ip:port ip:port".
func addrs(b *Backend) string {
	s := make([]string, len(b.Endpoints))
	for i, e := range b.Endpoints {
		s[i] = e.String()
	}
	return strings.Join(s, " ")
}
