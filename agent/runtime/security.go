package runtime

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/containerd/containerd/v2/contrib/seccomp"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// OpenFileLimit is the RLIMIT_NOFILE (soft and hard) of every container:
// what a container gets under Kubernetes' CRI, which drops containerd's
// 1024 default so containers inherit containerd's own limit
// (LimitNOFILE=infinity in its systemd unit, that is fs.nr_open, 1048576
// by default). Shoal sets it explicitly so it does not depend on how the
// agent was started.
const OpenFileLimit = 1 << 20

// securityOpts are the spec options for no_new_privs, seccomp and
// resource limits. They must follow the capability options: the default
// seccomp profile allows system calls by the capabilities the process
// has.
func securityOpts(cfg *ContainerConfig) []oci.SpecOpts {
	opts := []oci.SpecOpts{withNoNewPrivileges(cfg.NoNewPrivileges), withOpenFileLimit(openFileLimit())}
	if cfg.Privileged || cfg.SeccompUnconfined {
		opts = append(opts, withoutSeccomp)
	} else {
		opts = append(opts, seccomp.WithDefaultProfile())
	}
	return opts
}

// withNoNewPrivileges sets or clears no_new_privs (containerd's default
// spec sets it; Kubernetes leaves it off unless
// allowPrivilegeEscalation is false).
func withNoNewPrivileges(on bool) oci.SpecOpts {
	if on {
		return oci.WithNoNewPrivileges
	}
	return oci.WithNewPrivileges
}

// withoutSeccomp removes any seccomp filter.
func withoutSeccomp(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
	if s.Linux != nil {
		s.Linux.Seccomp = nil
	}
	return nil
}

// withOpenFileLimit replaces the RLIMIT_NOFILE of containerd's default
// spec (1024) with n, soft and hard.
func withOpenFileLimit(n uint64) oci.SpecOpts {
	return oci.WithRlimit(&specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: n, Hard: n})
}

// openFileLimit is OpenFileLimit, lowered to what runc can set here: the
// kernel refuses an RLIMIT_NOFILE above fs.nr_open, and above the hard
// limit runc inherits unless it has CAP_SYS_RESOURCE. The agent raises its
// own hard limit to find out (succeeding where runc would, as root with
// that capability); where it cannot, containers get the agent's hard
// limit rather than failing to start.
var openFileLimit = sync.OnceValue(func() uint64 {
	want := uint64(OpenFileLimit)
	if b, err := os.ReadFile("/proc/sys/fs/nr_open"); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			want = min(want, n)
		}
	}
	var cur unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &cur); err != nil || cur.Max >= want {
		return want
	}
	raised := unix.Rlimit{Cur: cur.Cur, Max: want}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &raised); err != nil {
		slog.Warn("containers get a lower open-file limit than CRI's: cannot raise RLIMIT_NOFILE", "want", want, "have", cur.Max, "err", err)
		return cur.Max
	}
	return want
})
