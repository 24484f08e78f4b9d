package api

import (
	"slices"
	"strings"
	"testing"
)

func TestDecodePodFields(t *testing.T) {
	doc := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.1]
    searches: [corp.example.com]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  hostAliases:
  - {ip: 192.0.2.7, hostnames: [db.local, cache.local]}
  hostNetwork: true
  hostPID: true
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    supplementalGroups: [2000, 3000]
    sysctls: [{name: kernel.shm_rmid_forced, value: "1"}]
    fsGroupChangePolicy: OnRootMismatch
  containers: [{name: c, image: busybox, ports: [{containerPort: 8080}]}]
`
	objs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	s := objs[0].(*Pod).Spec
	if s.DNSPolicy != DNSNone {
		t.Errorf("dnsPolicy: got %q, want None", s.DNSPolicy)
	}
	if c := s.DNSConfig; c == nil || !slices.Equal(c.Nameservers, []string{"192.0.2.1"}) || !slices.Equal(c.Searches, []string{"corp.example.com"}) ||
		len(c.Options) != 2 || c.Options[0].Value == nil || *c.Options[0].Value != "2" || c.Options[1].Value != nil {
		t.Errorf("dnsConfig: got %+v, want it as written", c)
	}
	if len(s.HostAliases) != 1 || s.HostAliases[0].IP != "192.0.2.7" || !slices.Equal(s.HostAliases[0].Hostnames, []string{"db.local", "cache.local"}) {
		t.Errorf("hostAliases: got %+v, want it as written", s.HostAliases)
	}
	if !s.HostNetwork || !s.HostPID || s.HostIPC {
		t.Errorf("host namespaces: got network %v pid %v ipc %v, want true, true, false", s.HostNetwork, s.HostPID, s.HostIPC)
	}
	ipc, err := Decode([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostIPC: true\n  containers: [{name: c, image: busybox}]\n"))
	if err != nil || !ipc[0].(*Pod).Spec.HostIPC {
		t.Errorf("hostIPC: got %v (err %v), want true", ipc, err)
	}
	sc := s.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || !slices.Equal(sc.SupplementalGroups, []int64{2000, 3000}) ||
		len(sc.Sysctls) != 1 || sc.Sysctls[0] != (Sysctl{Name: "kernel.shm_rmid_forced", Value: "1"}) ||
		sc.FSGroupChangePolicy == nil || *sc.FSGroupChangePolicy != FSGroupChangeOnRootMismatch {
		t.Errorf("securityContext: got %+v, want it as written", sc)
	}
	Default(objs[0])
	if got := objs[0].(*Pod).Spec.Containers[0].Ports[0].HostPort; got != 8080 {
		t.Errorf("hostNetwork pod's hostPort after defaults: got %d, want 8080 (the containerPort)", got)
	}
}

func TestDecodePodFieldTypos(t *testing.T) {
	tests := []struct{ name, spec, want string }{
		{"dnsConfig typo", "dnsConfig: {nameserver: [192.0.2.1]}", `spec.dnsConfig.nameserver`},
		{"hostAlias typo", "hostAliases: [{ip: 192.0.2.1, hostname: [a]}]", `spec.hostAliases[0].hostname`},
		{"sysctl typo", "securityContext: {sysctls: [{name: a, val: b}]}", `spec.securityContext.sysctls[0].val`},
		{"hostNetwork not a bool", "hostNetwork: yes please", `spec.hostNetwork`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n  " + tt.spec + "\n"
			_, err := Decode([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestValidatePodFields(t *testing.T) {
	pod := func(f func(s *PodSpec)) Object {
		return with(validPod, func(p *Pod) { f(&p.Spec) })
	}
	dns := func(c PodDNSConfig) func(s *PodSpec) { return func(s *PodSpec) { s.DNSConfig = &c } }
	sysctls := func(list ...Sysctl) func(s *PodSpec) {
		return func(s *PodSpec) { s.SecurityContext = &PodSecurityContext{Sysctls: list} }
	}
	long := strings.Repeat("a", 60)
	var manySearches []string
	for i := range 33 {
		manySearches = append(manySearches, "d"+itoa(i)+".example")
	}
	var longSearches []string
	for range 9 {
		longSearches = append(longSearches, long+"."+long+"."+long+"."+long) // 243 characters each
	}
	tests := []struct {
		name string
		obj  Object
		want string // "" means valid
	}{
		{"all policies", pod(func(s *PodSpec) { s.DNSPolicy = DNSClusterFirstWithHostNet }), ""},
		{"dnsPolicy unknown", pod(func(s *PodSpec) { s.DNSPolicy = "ClusterLast" }),
			`spec.dnsPolicy: unknown policy "ClusterLast" (want ClusterFirst, ClusterFirstWithHostNet, Default or None)`},
		{"None without nameservers", pod(func(s *PodSpec) { s.DNSPolicy = DNSNone }),
			"spec.dnsConfig.nameservers: required: at least one nameserver when dnsPolicy is None"},
		{"None with a nameserver", pod(func(s *PodSpec) {
			s.DNSPolicy = DNSNone
			s.DNSConfig = &PodDNSConfig{Nameservers: []string{"192.0.2.1"}}
		}), ""},
		{"full dnsConfig", pod(dns(PodDNSConfig{Nameservers: []string{"192.0.2.1", "2001:db8::1"}, Searches: []string{"a.example", "b.example."},
			Options: []PodDNSConfigOption{{Name: "ndots", Value: ptr("1")}}})), ""},
		{"four nameservers", pod(dns(PodDNSConfig{Nameservers: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}})),
			"spec.dnsConfig.nameservers: must have at most 3 nameservers, got 4"},
		{"nameserver not an IP", pod(dns(PodDNSConfig{Nameservers: []string{"dns.example"}})),
			`spec.dnsConfig.nameservers[0]: invalid value "dns.example": must be an IP address`},
		{"33 searches", pod(dns(PodDNSConfig{Searches: manySearches})), "spec.dnsConfig.searches: must have at most 32 search domains, got 33"},
		{"searches too long", pod(dns(PodDNSConfig{Searches: longSearches})), "spec.dnsConfig.searches: must have at most 2048 characters in all, got 2195"},
		{"search not a domain", pod(dns(PodDNSConfig{Searches: []string{"Bad_Domain"}})), `spec.dnsConfig.searches[0]: invalid value "Bad_Domain": must be a DNS subdomain`},
		{"option without name", pod(dns(PodDNSConfig{Options: []PodDNSConfigOption{{Value: ptr("2")}}})), "spec.dnsConfig.options[0].name: required"},
		{"hostAlias", pod(func(s *PodSpec) { s.HostAliases = []HostAlias{{IP: "192.0.2.7", Hostnames: []string{"db.local"}}} }), ""},
		{"hostAlias without ip", pod(func(s *PodSpec) { s.HostAliases = []HostAlias{{Hostnames: []string{"db"}}} }), "spec.hostAliases[0].ip: required"},
		{"hostAlias bad ip", pod(func(s *PodSpec) { s.HostAliases = []HostAlias{{IP: "300.1.1.1", Hostnames: []string{"db"}}} }),
			`spec.hostAliases[0].ip: invalid value "300.1.1.1": must be an IP address`},
		{"hostAlias without names", pod(func(s *PodSpec) { s.HostAliases = []HostAlias{{IP: "192.0.2.7"}} }),
			"spec.hostAliases[0].hostnames: required: at least one host name"},
		{"hostAlias bad name", pod(func(s *PodSpec) { s.HostAliases = []HostAlias{{IP: "192.0.2.7", Hostnames: []string{"db", "DB!"}}} }),
			`spec.hostAliases[0].hostnames[1]: invalid value "DB!": must be a DNS subdomain`},
		{"hostNetwork", pod(func(s *PodSpec) { s.HostNetwork, s.HostPID, s.HostIPC = true, true, true }), ""},
		{"hostNetwork hostPort differs", pod(func(s *PodSpec) { s.HostNetwork = true; s.Containers[0].Ports[0].HostPort = 9090 }),
			"spec.containers[0].ports[0].hostPort: must equal containerPort (8080) when hostNetwork is set, got 9090"},
		{"supplementalGroups", pod(func(s *PodSpec) { s.SecurityContext = &PodSecurityContext{SupplementalGroups: []int64{0, 2000}} }), ""},
		{"supplementalGroup negative", pod(func(s *PodSpec) { s.SecurityContext = &PodSecurityContext{SupplementalGroups: []int64{1, -1}} }),
			"spec.securityContext.supplementalGroups[1]: must be at least 0, got -1"},
		{"fsGroupChangePolicy", pod(func(s *PodSpec) {
			s.SecurityContext = &PodSecurityContext{FSGroupChangePolicy: ptr(FSGroupChangeAlways)}
		}), ""},
		{"fsGroupChangePolicy unknown", pod(func(s *PodSpec) {
			s.SecurityContext = &PodSecurityContext{FSGroupChangePolicy: ptr(PodFSGroupChangePolicy("Never"))}
		}), `spec.securityContext.fsGroupChangePolicy: unknown policy "Never" (want OnRootMismatch or Always)`},
		{"safe and namespaced sysctls", pod(sysctls(Sysctl{"net.ipv4.tcp_syncookies", "1"}, Sysctl{"kernel.msgmax", "65536"}, Sysctl{"net.core.somaxconn", "1024"})), ""},
		{"sysctl bad name", pod(sysctls(Sysctl{"net..ipv4", "1"})), `spec.securityContext.sysctls[0].name: invalid value "net..ipv4": must be a sysctl name`},
		{"sysctl upper case", pod(sysctls(Sysctl{"Net.ipv4", "1"})), `spec.securityContext.sysctls[0].name: invalid value "Net.ipv4": must be a sysctl name`},
		{"sysctl duplicate", pod(sysctls(Sysctl{"kernel.sem", "1"}, Sysctl{"kernel.sem", "2"})), `spec.securityContext.sysctls[1].name: duplicate sysctl "kernel.sem"`},
		{"sysctl node-wide", pod(sysctls(Sysctl{"vm.swappiness", "1"})),
			`spec.securityContext.sysctls[0].name: sysctl "vm.swappiness" is not namespaced: it would change the whole node, so no pod may set it`},
		{"net sysctl with hostNetwork", pod(func(s *PodSpec) {
			sysctls(Sysctl{"net.ipv4.tcp_syncookies", "1"})(s)
			s.HostNetwork = true
		}), `spec.securityContext.sysctls[0].name: sysctl "net.ipv4.tcp_syncookies" may not be set with hostNetwork`},
		{"ipc sysctl with hostIPC", pod(func(s *PodSpec) {
			sysctls(Sysctl{"kernel.shm_rmid_forced", "1"})(s)
			s.HostIPC = true
		}), `spec.securityContext.sysctls[0].name: sysctl "kernel.shm_rmid_forced" may not be set with hostIPC`},
		{"sysctl value of two lines", pod(sysctls(Sysctl{"net.ipv4.tcp_syncookies", "1\n2"})), `spec.securityContext.sysctls[0].value: must be one line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			err := Validate(tt.obj)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestEffectiveDNSPolicy(t *testing.T) {
	tests := []struct {
		policy      DNSPolicy
		hostNetwork bool
		want        DNSPolicy
	}{
		{"", false, DNSClusterFirst},
		{"", true, DNSDefault},
		{DNSClusterFirst, true, DNSDefault},
		{DNSClusterFirstWithHostNet, true, DNSClusterFirst},
		{DNSClusterFirstWithHostNet, false, DNSClusterFirst},
		{DNSDefault, false, DNSDefault},
		{DNSNone, true, DNSNone},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy)+"/hostNetwork="+map[bool]string{true: "true", false: "false"}[tt.hostNetwork], func(t *testing.T) {
			s := PodSpec{DNSPolicy: tt.policy, HostNetwork: tt.hostNetwork}
			if got := s.EffectiveDNSPolicy(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPodSecurityPodFields(t *testing.T) {
	yes, no := true, false
	good := func() *PodSpec {
		return &PodSpec{Containers: []Container{{Name: "app", Image: "x", SecurityContext: &SecurityContext{
			AllowPrivilegeEscalation: &no,
			Capabilities:             &Capabilities{Drop: []string{"ALL"}},
			SeccompProfile:           &SeccompProfile{Type: SeccompRuntimeDefault},
		}}}, SecurityContext: &PodSecurityContext{RunAsNonRoot: &yes}}
	}
	tests := []struct {
		name       string
		spoil      func(s *PodSpec)
		baseline   string // the violation under baseline, "" for none
		restricted string // the violation under restricted, "" for none
	}{
		{"pod runAsNonRoot is enough", func(*PodSpec) {}, "", ""},
		{"container runAsNonRoot false wins", func(s *PodSpec) { s.Containers[0].SecurityContext.RunAsNonRoot = &no },
			"", `runAsNonRoot != true (container "app" must set securityContext.runAsNonRoot=true)`},
		{"no runAsNonRoot anywhere", func(s *PodSpec) { s.SecurityContext.RunAsNonRoot = nil },
			"", `runAsNonRoot != true (container "app" must set securityContext.runAsNonRoot=true)`},
		{"hostNetwork", func(s *PodSpec) { s.HostNetwork = true }, "host namespaces (hostNetwork=true)", "host namespaces (hostNetwork=true)"},
		{"all host namespaces", func(s *PodSpec) { s.HostNetwork, s.HostPID, s.HostIPC = true, true, true },
			"host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)", "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)"},
		{"safe sysctl", func(s *PodSpec) { s.SecurityContext.Sysctls = []Sysctl{{"net.ipv4.ip_local_port_range", "1024 65000"}} }, "", ""},
		{"unsafe sysctls", func(s *PodSpec) {
			s.SecurityContext.Sysctls = []Sysctl{{"net.core.somaxconn", "1024"}, {"kernel.shm_rmid_forced", "1"}, {"kernel.msgmax", "1"}}
		}, "forbidden sysctls (net.core.somaxconn, kernel.msgmax; safe: kernel.shm_rmid_forced,", "forbidden sysctls (net.core.somaxconn, kernel.msgmax;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				level PodSecurityLevel
				want  string
			}{{PodSecurityPrivileged, ""}, {PodSecurityBaseline, tt.baseline}, {PodSecurityRestricted, tt.restricted}} {
				s := good()
				tt.spoil(s)
				got := PodSecurityViolations(c.level, s)
				found := slices.ContainsFunc(got, func(v string) bool { return c.want != "" && strings.HasPrefix(v, c.want) })
				switch {
				case c.want == "" && len(got) > 0:
					t.Errorf("%s: got %q, want no violation", c.level, got)
				case c.want != "" && !found:
					t.Errorf("%s: got %q, want one starting %q", c.level, got, c.want)
				}
			}
		})
	}
}
