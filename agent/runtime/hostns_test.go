package runtime

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestHostNamespaces(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	ns := func(kind string) string {
		l, err := os.Readlink("/proc/self/ns/" + kind)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	script := `for n in net uts pid ipc; do echo "$n=$(readlink /proc/self/ns/$n)"; done; echo done`
	tests := []struct {
		name string
		mod  func(*ContainerConfig)
		host map[string]bool // namespace → shared with the node
	}{
		{"none", nil, map[string]bool{}},
		{"network", func(c *ContainerConfig) { c.HostNetwork = true }, map[string]bool{"net": true, "uts": true}},
		{"pid and ipc", func(c *ContainerConfig) { c.HostPID, c.HostIPC = true, true }, map[string]bool{"pid": true, "ipc": true}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "hostns-" + string(rune('a'+i))
			logPath := run(t, r, id, script, tt.mod)
			waitState(t, r, id, StateExited)
			out := waitLog(t, logPath, "done")
			for _, kind := range []string{"net", "uts", "pid", "ipc"} {
				shared := strings.Contains(out, kind+"="+ns(kind)+"\n")
				if shared != tt.host[kind] {
					t.Errorf("%s namespace shared with the node: got %v, want %v\n%s", kind, shared, tt.host[kind], out)
				}
			}
		})
	}
}

func TestSysctls(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	const portRange = "/proc/sys/net/ipv4/ip_local_port_range"
	before, err := os.ReadFile(portRange)
	if err != nil {
		t.Fatal(err)
	}
	logPath := run(t, r, "sysctls", `cat /proc/sys/net/ipv4/ip_local_port_range /proc/sys/kernel/shm_rmid_forced; echo done`, func(c *ContainerConfig) {
		c.Sysctls = map[string]string{"net.ipv4.ip_local_port_range": "40000 41000", "kernel.shm_rmid_forced": "1"}
	})
	waitState(t, r, "sysctls", StateExited)
	out := waitLog(t, logPath, "done")
	if want := "40000\t41000\n1\n"; !strings.Contains(out, want) {
		t.Errorf("container's sysctls: got %q, want %q", out, want)
	}
	after, err := os.ReadFile(portRange)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("node's port range: got %q after the container, want %q as before", after, before)
	}
}

func TestHostNetworkConfigErrors(t *testing.T) {
	r := newTestEnv(t).open(t, false)
	tests := []struct {
		name string
		mod  func(*ContainerConfig)
		want string
	}{
		{"with a netns", func(c *ContainerConfig) { c.NetNSPath = "/run/netns/x" }, "host network and network namespace /run/netns/x both given"},
		{"with a hostname", func(c *ContainerConfig) { c.Hostname = "pod" }, `host network shares the node's host name; got hostname "pod"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ContainerConfig{ID: "bad", Image: "x", HostNetwork: true}
			tt.mod(&cfg)
			err := r.CreateContainer(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
