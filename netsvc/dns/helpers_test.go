package dnssvc

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/shoal-dev/shoal/api"
)

var testCfg = Config{
	Zone:          "cluster.local",
	ReverseCIDRs:  []netip.Prefix{netip.MustParsePrefix("10.96.0.0/12"), netip.MustParsePrefix("10.244.0.0/16")},
	NameserverIPs: []netip.Addr{netip.MustParseAddr("10.96.0.53")},
}

// pod is a running, ready pod ns/name with ip and labels.
func pod(ns, name, ip string, labels map[string]string, opts ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + ns + "-" + name, Labels: labels},
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

func hostname(host, sub string) func(*api.Pod) {
	return func(p *api.Pod) { p.Spec.Hostname, p.Spec.Subdomain = host, sub }
}

func service(ns, name, clusterIP string, selector map[string]string, ports ...api.ServicePort) *api.Service {
	s := &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name},
		Spec:       api.ServiceSpec{Type: api.ServiceTypeClusterIP, Selector: selector, Ports: ports, ClusterIP: clusterIP},
	}
	if clusterIP != "" {
		s.Spec.ClusterIPs = []string{clusterIP}
	}
	return s
}

func sport(name string, port int32, proto api.Protocol) api.ServicePort {
	return api.ServicePort{Name: name, Port: port, Protocol: proto}
}

// fixture is a small cluster:
//   - web/default: ClusterIP 10.96.0.10, ports http 80/TCP, dns 53/UDP, and
//     an unnamed 8080/TCP;
//   - db/default: headless, app=db, port pg 5432; pods db-0 (hostname db-0,
//     subdomain db, 10.244.1.5), db-1 (no hostname, 10.244.2.6), db-2 (not
//     ready, 10.244.2.7);
//   - empty/default: headless, no pods;
//   - ext/default: ExternalName example.com;
//   - web/other: ClusterIP 10.96.0.11, port http 80;
//   - peers/default: headless over the db pods, publishNotReadyAddresses,
//     no ports;
//   - web-x/default: a pod of web, 10.244.1.9.
func fixture() ([]*api.Service, []*api.Pod) {
	ext := service("default", "ext", "", nil)
	ext.Spec.Type, ext.Spec.ExternalName = api.ServiceTypeExternalName, "example.com"
	peers := service("default", "peers", api.ClusterIPNone, map[string]string{"app": "db"})
	peers.Spec.PublishNotReadyAddresses = true
	svcs := []*api.Service{
		service("default", "web", "10.96.0.10", map[string]string{"app": "web"},
			sport("http", 80, api.ProtocolTCP), sport("dns", 53, api.ProtocolUDP), sport("", 8080, "")),
		service("default", "db", api.ClusterIPNone, map[string]string{"app": "db"}, sport("pg", 5432, api.ProtocolTCP)),
		service("default", "empty", api.ClusterIPNone, map[string]string{"app": "none"}),
		ext,
		service("other", "web", "10.96.0.11", map[string]string{"app": "web"}, sport("http", 80, api.ProtocolTCP)),
		peers,
	}
	db := map[string]string{"app": "db"}
	pods := []*api.Pod{
		pod("default", "db-0", "10.244.1.5", db, hostname("db-0", "db")),
		pod("default", "db-1", "10.244.2.6", db),
		pod("default", "db-2", "10.244.2.7", db, notReady),
		pod("default", "web-x", "10.244.1.9", map[string]string{"app": "web"}),
	}
	return svcs, pods
}

// rrs parses records in zone-file syntax.
func rrs(t *testing.T, lines ...string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("bad test record %q: %v", l, err)
		}
		out = append(out, rr.String())
	}
	slices.Sort(out)
	return out
}

// strs is the sorted text of records, for comparing against rrs.
func strs(l []dns.RR) []string {
	var out []string
	for _, rr := range l {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		out = append(out, rr.String())
	}
	slices.Sort(out)
	return out
}

func diff(got, want []string) string {
	if slices.Equal(got, want) {
		return ""
	}
	return "got:\n  " + strings.Join(got, "\n  ") + "\nwant:\n  " + strings.Join(want, "\n  ")
}
