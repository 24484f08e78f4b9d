package runtime

import (
	"fmt"
	"strings"
	"testing"
)

// TestSeccompNoNewPrivsAndOpenFiles runs real containers and reads, from
// inside, the seccomp mode, no_new_privs and RLIMIT_NOFILE the kernel
// gives them, and tries a system call the default seccomp filter refuses
// (unshare of a user namespace, a common first step of container escapes).
func TestSeccompNoNewPrivsAndOpenFiles(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	script := `grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
echo nofile=$(ulimit -n)/$(ulimit -Hn)
unshare -U true 2>/dev/null && echo userns=allowed || echo userns=refused
echo done`
	limit := openFileLimit()
	if limit <= 1024 {
		t.Fatalf("open-file limit %d: want above containerd's default 1024", limit)
	}
	tests := []struct {
		name string
		mod  func(*ContainerConfig)
		want []string
	}{
		{name: "default: RuntimeDefault filter, escalation allowed",
			want: []string{"Seccomp:\t2\n", "NoNewPrivs:\t0\n", "userns=refused\n"}},
		{name: "no_new_privs", mod: func(c *ContainerConfig) { c.NoNewPrivileges = true },
			want: []string{"Seccomp:\t2\n", "NoNewPrivs:\t1\n"}},
		// Without the filter, the same unshare succeeds: the refusal above is seccomp.
		{name: "unconfined", mod: func(c *ContainerConfig) { c.SeccompUnconfined = true },
			want: []string{"Seccomp:\t0\n", "NoNewPrivs:\t0\n", "userns=allowed\n"}},
		{name: "privileged: no filter, as in CRI", mod: func(c *ContainerConfig) { c.Privileged = true },
			want: []string{"Seccomp:\t0\n"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("sec%d", i)
			logPath := run(t, r, id, script, func(c *ContainerConfig) {
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			waitState(t, r, id, StateExited)
			out := waitLog(t, logPath, "done")
			want := append(tt.want, fmt.Sprintf("nofile=%d/%d\n", limit, limit))
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("got:\n%s\nwant it to contain %q", out, w)
				}
			}
		})
	}
}
