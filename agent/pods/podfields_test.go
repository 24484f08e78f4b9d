package pods

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

func TestContainerConfigPodFields(t *testing.T) {
	yes, no := true, false
	uid, root := int64(1000), int64(0)
	node, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		spec    api.PodSpec
		check   func(t *testing.T, got string)
		wantErr string
	}{
		{name: "pod network by default", check: want("netns=/netns/p host=p HOSTNAME=p net=false pid=false ipc=false gids=[] sysctls=map[]")},
		{name: "hostNetwork", spec: api.PodSpec{HostNetwork: true},
			check: want(fmt.Sprintf("netns= host= HOSTNAME=%s net=true pid=false ipc=false gids=[] sysctls=map[]", node))},
		{name: "hostPID and hostIPC", spec: api.PodSpec{HostPID: true, HostIPC: true},
			check: want("netns=/netns/p host=p HOSTNAME=p net=false pid=true ipc=true gids=[] sysctls=map[]")},
		{name: "supplementalGroups after fsGroup", spec: api.PodSpec{SecurityContext: &api.PodSecurityContext{FSGroup: ptrTo(int64(2000)), SupplementalGroups: []int64{3000, 4000}}},
			check: want("netns=/netns/p host=p HOSTNAME=p net=false pid=false ipc=false gids=[2000 3000 4000] sysctls=map[]")},
		{name: "sysctls", spec: api.PodSpec{SecurityContext: &api.PodSecurityContext{Sysctls: []api.Sysctl{{Name: "net.ipv4.tcp_syncookies", Value: "1"}, {Name: "kernel.shm_rmid_forced", Value: "1"}}}},
			check: want("netns=/netns/p host=p HOSTNAME=p net=false pid=false ipc=false gids=[] sysctls=map[kernel.shm_rmid_forced:1 net.ipv4.tcp_syncookies:1]")},
		{name: "supplementalGroup out of range", spec: api.PodSpec{SecurityContext: &api.PodSecurityContext{SupplementalGroups: []int64{1 << 32}}},
			wantErr: "supplementalGroups 4294967296 is outside 0-2147483647"},
		{name: "pod runAsNonRoot without a user", spec: api.PodSpec{SecurityContext: &api.PodSecurityContext{RunAsNonRoot: &yes}},
			wantErr: "runAsNonRoot is set but runAsUser is unset"},
		{name: "pod runAsNonRoot as root", spec: api.PodSpec{SecurityContext: &api.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &root}},
			wantErr: "runAsNonRoot is set but runAsUser is 0"},
		{name: "pod runAsNonRoot with a user", spec: api.PodSpec{SecurityContext: &api.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &uid}},
			check: want("netns=/netns/p host=p HOSTNAME=p net=false pid=false ipc=false gids=[] sysctls=map[]")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default", UID: "u"}, Spec: tt.spec}
			pod.Spec.Containers = []api.Container{{Name: "c", Image: "busybox"}}
			cfg, err := containerConfig(pod, &pod.Spec.Containers[0], nil, nil, nil, "/netns/p", t.TempDir())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			hostnameEnv := ""
			for _, e := range cfg.Env {
				if v, ok := strings.CutPrefix(e, "HOSTNAME="); ok {
					hostnameEnv = v
				}
			}
			keys := slices.Sorted(maps.Keys(cfg.Sysctls))
			var sys []string
			for _, k := range keys {
				sys = append(sys, k+":"+cfg.Sysctls[k])
			}
			tt.check(t, fmt.Sprintf("netns=%s host=%s HOSTNAME=%s net=%v pid=%v ipc=%v gids=%v sysctls=map[%s]",
				cfg.NetNSPath, cfg.Hostname, hostnameEnv, cfg.HostNetwork, cfg.HostPID, cfg.HostIPC, cfg.AdditionalGIDs, strings.Join(sys, " ")))
		})
	}
	t.Run("container runAsNonRoot false overrides the pod's", func(t *testing.T) {
		pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", UID: "u"}, Spec: api.PodSpec{SecurityContext: &api.PodSecurityContext{RunAsNonRoot: &yes}}}
		pod.Spec.Containers = []api.Container{{Name: "c", Image: "busybox", SecurityContext: &api.SecurityContext{RunAsNonRoot: &no}}}
		if _, err := containerConfig(pod, &pod.Spec.Containers[0], nil, nil, nil, "/netns/p", t.TempDir()); err != nil {
			t.Errorf("got %v, want no error", err)
		}
	})
}

func want(s string) func(t *testing.T, got string) {
	return func(t *testing.T, got string) {
		t.Helper()
		if got != s {
			t.Errorf("got  %s\nwant %s", got, s)
		}
	}
}

// TestManagerHostNetworkPod runs a hostNetwork pod without a sandbox,
// with the node's address as its IP, and adopts it after a restart.
func TestManagerHostNetworkPod(t *testing.T) {
	h := newHarness(t)
	h.addPod("hostnet", func(p *api.Pod) {
		p.Spec.HostNetwork = true
		p.Spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: 8080}}
	})
	p := h.waitStatus("hostnet", running)
	if p.Status.PodIP != "10.0.0.1" {
		t.Errorf("pod IP: got %q, want the node's 10.0.0.1", p.Status.PodIP)
	}
	if _, ok := h.net.Lookup(p.UID); ok {
		t.Errorf("a sandbox was set up for a hostNetwork pod")
	}
	id := containerID(p.UID, "main")
	h.rt.mu.Lock()
	cfg := h.rt.configs[id]
	h.rt.mu.Unlock()
	if !cfg.HostNetwork || cfg.NetNSPath != "" || cfg.Hostname != "" {
		t.Errorf("container config: got hostNetwork %v netns %q hostname %q, want true, none, none", cfg.HostNetwork, cfg.NetNSPath, cfg.Hostname)
	}
	h.stop()
	h.start()
	// As TestManagerAdoptsAfterRestart: give the new manager time to
	// (wrongly) stop a container it thinks lost its sandbox.
	time.Sleep(300 * time.Millisecond)
	h.rt.mu.Lock()
	starts, stops := h.rt.starts[id], len(h.rt.graces[id])
	h.rt.mu.Unlock()
	if starts != 1 || stops != 0 {
		t.Errorf("across a manager restart: got %d starts and %d stops, want 1 and 0 (adopted)", starts, stops)
	}
}
