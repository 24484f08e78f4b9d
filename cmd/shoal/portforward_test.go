package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

func TestParsePortSpecs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    []portSpec
		wantErr string
	}{
		{"remote only", []string{"8080"}, []portSpec{{remote: "8080"}}, ""},
		{"local and remote", []string{"9000:80"}, []portSpec{{local: 9000, localSet: true, remote: "80"}}, ""},
		{"free local port", []string{":80"}, []portSpec{{localSet: true, remote: "80"}}, ""},
		{"zero local port", []string{"0:80"}, []portSpec{{localSet: true, remote: "80"}}, ""},
		{"named remote", []string{"8080:http"}, []portSpec{{local: 8080, localSet: true, remote: "http"}}, ""},
		{"several", []string{"80", "9443:443"}, []portSpec{{remote: "80"}, {local: 9443, localSet: true, remote: "443"}}, ""},
		{"no remote", []string{"8080:"}, nil, `port "8080:": want [LOCAL:]REMOTE`},
		{"remote zero", []string{"0"}, nil, `port "0": remote port 0 is not in 1-65535`},
		{"remote too big", []string{"80:70000"}, nil, `port "80:70000": remote port 70000 is not in 1-65535`},
		{"local not a number", []string{"web:80"}, nil, `port "web:80": local port "web" is not a number in 0-65535`},
		{"local too big", []string{"70000:80"}, nil, `port "70000:80": local port "70000" is not a number in 0-65535`},
		{"local negative", []string{"-1:80"}, nil, `local port "-1" is not a number`},
		{"remote not a name", []string{"80:a_b"}, nil, `port "80:a_b": remote port "a_b" is neither a number nor a port name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePortSpecs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(portSpec{})); d != "" {
				t.Errorf("specs (-want +got):\n%s", d)
			}
		})
	}
}

func TestResolveForwardPorts(t *testing.T) {
	pod := &api.Pod{}
	pod.Name = "web-0"
	pod.Spec.Containers = []api.Container{
		{Name: "app", Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "dns", ContainerPort: 53, Protocol: api.ProtocolUDP}}},
		{Name: "metrics", Ports: []api.ContainerPort{{Name: "metrics", ContainerPort: 9090}}},
	}
	svc := &api.Service{}
	svc.Name = "web"
	svc.Spec.Ports = []api.ServicePort{
		{Name: "web", Port: 80, TargetPort: api.FromString("http")},
		{Name: "direct", Port: 81, TargetPort: api.FromInt32(8081)},
		{Name: "same", Port: 82},
		{Name: "udp", Port: 53, Protocol: api.ProtocolUDP, TargetPort: api.FromInt32(53)},
		{Name: "broken", Port: 83, TargetPort: api.FromString("nope")},
	}
	spec := func(s string) portSpec {
		specs, err := parsePortSpecs([]string{s})
		if err != nil {
			panic(err)
		}
		return specs[0]
	}
	tests := []struct {
		name    string
		svc     *api.Service
		specs   []string
		want    []forwardPort
		wantErr string
	}{
		{"pod port number", nil, []string{"8080"}, []forwardPort{{8080, 8080}}, ""},
		{"pod port to another local port", nil, []string{"9000:8080"}, []forwardPort{{9000, 8080}}, ""},
		{"pod port free local", nil, []string{":8080"}, []forwardPort{{0, 8080}}, ""},
		{"named container port", nil, []string{"http"}, []forwardPort{{8080, 8080}}, ""},
		{"named port of a second container", nil, []string{"7000:metrics"}, []forwardPort{{7000, 9090}}, ""},
		{"undeclared pod port number", nil, []string{"5000"}, []forwardPort{{5000, 5000}}, ""},
		{"unknown port name", nil, []string{"grpc"}, nil, `pod web-0 has no container port named "grpc"`},
		{"udp container port", nil, []string{"dns"}, nil, "container port dns of pod web-0 is UDP: port-forward carries TCP only"},
		{"same local twice", nil, []string{"8080", "8080:9090"}, nil, "local port 8080 is given twice (8080 and 9090)"},
		{"two free locals", nil, []string{":8080", ":9090"}, []forwardPort{{0, 8080}, {0, 9090}}, ""},
		{"service port to named target", svc, []string{"80"}, []forwardPort{{80, 8080}}, ""},
		{"service port by name", svc, []string{"8000:web"}, []forwardPort{{8000, 8080}}, ""},
		{"service port to number", svc, []string{"direct"}, []forwardPort{{81, 8081}}, ""},
		{"service port with default target", svc, []string{":82"}, []forwardPort{{0, 82}}, ""},
		{"no such service port", svc, []string{"8080"}, nil, "service web has no port 8080 (it has 80 (web), 81 (direct), 82 (same), 53 (udp), 83 (broken))"},
		{"udp service port", svc, []string{"53"}, nil, "service web port 53 is UDP: port-forward carries TCP only"},
		{"service target names no container port", svc, []string{"83"}, nil, `service web port 83: pod web-0 has no container port named "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var specs []portSpec
			for _, s := range tt.specs {
				specs = append(specs, spec(s))
			}
			got, err := resolveForwardPorts(pod, tt.svc, specs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(forwardPort{})); d != "" {
				t.Errorf("ports (-want +got):\n%s", d)
			}
		})
	}
}

func TestListenHosts(t *testing.T) {
	tests := []struct {
		name    string
		addrs   []string
		want    []string
		wantErr string
	}{
		{"default", []string{"localhost"}, []string{"127.0.0.1", "::1"}, ""},
		{"all interfaces", []string{"0.0.0.0"}, []string{"0.0.0.0"}, ""},
		{"localhost and an address", []string{"localhost", "10.0.0.5"}, []string{"127.0.0.1", "::1", "10.0.0.5"}, ""},
		{"ipv6", []string{"::"}, []string{"::"}, ""},
		{"host name", []string{"example.com"}, nil, `--address "example.com": want localhost or an IP address`},
		{"none", nil, nil, "--address: want at least one address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := listenHosts(tt.addrs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPodGone(t *testing.T) {
	pod := func(name, uid string, phase api.PodPhase, deleting bool) *api.Pod {
		p := &api.Pod{}
		p.Name, p.UID, p.Status.Phase = name, uid, phase
		if deleting {
			now := time.Now()
			p.DeletionTimestamp = &now
		}
		return p
	}
	tests := []struct {
		name    string
		ev      api.WatchEvent
		wantWhy string
	}{
		{"running", api.WatchEvent{Type: "MODIFIED", Object: pod("web", "u1", api.PodRunning, false)}, ""},
		{"another pod", api.WatchEvent{Type: "DELETED", Object: pod("api", "u2", api.PodRunning, false)}, ""},
		{"deleted", api.WatchEvent{Type: "DELETED", Object: pod("web", "u1", api.PodRunning, false)}, "it was deleted"},
		{"terminating", api.WatchEvent{Type: "MODIFIED", Object: pod("web", "u1", api.PodRunning, true)}, "it is terminating"},
		{"succeeded", api.WatchEvent{Type: "MODIFIED", Object: pod("web", "u1", api.PodSucceeded, false)}, "it has succeeded"},
		{"failed", api.WatchEvent{Type: "MODIFIED", Object: pod("web", "u1", api.PodFailed, false)}, "it has failed"},
		{"replaced", api.WatchEvent{Type: "ADDED", Object: pod("web", "u9", api.PodPending, false)}, "it was replaced by another pod of that name"},
		{"not a pod", api.WatchEvent{Type: "DELETED", Object: &api.Service{}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			why, gone := podGone(tt.ev, "web", "u1")
			if gone != (tt.wantWhy != "") || why != tt.wantWhy {
				t.Errorf("got %q, %v; want %q", why, gone, tt.wantWhy)
			}
		})
	}
}
