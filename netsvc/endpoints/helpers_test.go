package endpoints

import (
	"fmt"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// pod is a running, ready pod "ns/name" on node with ip and labels app=web.
func pod(ns, name, node, ip string, opts ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + name, Labels: map[string]string{"app": "web"}},
		Spec: api.PodSpec{
			NodeName:   node,
			Containers: []api.Container{{Name: "c", Image: "x"}},
		},
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
	t := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	p.DeletionTimestamp = &t
}

func phase(ph api.PodPhase) func(*api.Pod) { return func(p *api.Pod) { p.Status.Phase = ph } }

func labels(kv ...string) func(*api.Pod) {
	return func(p *api.Pod) {
		p.Labels = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

// ports gives the pod's container the named ports "name/proto/number".
func ports(ps ...api.ContainerPort) func(*api.Pod) {
	return func(p *api.Pod) { p.Spec.Containers[0].Ports = ps }
}

func cport(name string, num int32, proto api.Protocol) api.ContainerPort {
	return api.ContainerPort{Name: name, ContainerPort: num, Protocol: proto}
}

func hostname(host, sub string) func(*api.Pod) {
	return func(p *api.Pod) { p.Spec.Hostname, p.Spec.Subdomain = host, sub }
}

// svc is service "default/web" selecting app=web with the given ports.
func svc(opts ...func(*api.Service)) *api.Service {
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := &api.Service{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web", Labels: map[string]string{"tier": "front"},
			CreationTimestamp: &created},
		Spec: api.ServiceSpec{
			Type:      api.ServiceTypeClusterIP,
			ClusterIP: "10.43.0.10",
			Selector:  map[string]string{"app": "web"},
			Ports:     []api.ServicePort{{Port: 80, Protocol: api.ProtocolTCP, TargetPort: api.FromInt32(8080)}},
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func svcPorts(ps ...api.ServicePort) func(*api.Service) {
	return func(s *api.Service) { s.Spec.Ports = ps }
}

func sport(name string, port int32, target api.IntOrString, proto api.Protocol) api.ServicePort {
	return api.ServicePort{Name: name, Port: port, TargetPort: target, Protocol: proto}
}

// addr is the address the helpers' pod(ns, name, node, ip) gets.
func addr(ns, name, node, ip string) api.EndpointAddress {
	return api.EndpointAddress{IP: ip, NodeName: node,
		TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: ns, Name: name, UID: "uid-" + name}}
}

func eport(name string, port int32, proto api.Protocol) api.EndpointPort {
	return api.EndpointPort{Name: name, Port: port, Protocol: proto}
}

// manyPods returns n ready pods of default/web spread over 3 nodes.
func manyPods(n int) []*api.Pod {
	pods := make([]*api.Pod, n)
	for i := range pods {
		pods[i] = pod("default", fmt.Sprintf("web-%d", i), fmt.Sprintf("n%d", i%3),
			fmt.Sprintf("10.42.%d.%d", i/250, i%250+2), ports(cport("http", 8080, api.ProtocolTCP)))
	}
	return pods
}
