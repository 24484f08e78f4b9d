package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/agent/runtime/cni"
	"github.com/shoal-dev/shoal/netsvc"
)

// ResetConfig says what Reset cleans.
type ResetConfig struct {
	// DataDir is the stopped agent's data dir.
	DataDir string
	// ContainerdAddress and ContainerdNamespace are the agent's
	// --containerd-address and --containerd-namespace.
	ContainerdAddress, ContainerdNamespace string
	// KeepData leaves the data dir (identity, Raft state) in place.
	KeepData bool
	Logger   *slog.Logger
}

// ErrAgentRunning is returned by Reset while an agent uses the data dir.
var ErrAgentRunning = errors.New("an agent is running on this data dir")

// Reset removes what an agent left on this machine once it is stopped:
// the pods' containers, images and snapshots in its containerd namespace
// (and a containerd it started), processes left in pod network
// namespaces, mounts under the data dir, the cluster routes, the
// nftables table "ip shoal", the pod bridge, the pods' cgroups, and the
// data dir itself unless cfg.KeepData. It refuses while an agent holds
// the data dir's Raft store. It does all it can and returns what it did
// (one line per step) and every failure joined.
func Reset(ctx context.Context, cfg ResetConfig) ([]string, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ContainerdAddress == "" {
		cfg.ContainerdAddress = DefaultContainerdAddress
	}
	if cfg.ContainerdNamespace == "" {
		cfg.ContainerdNamespace = DefaultContainerdNamespace
	}
	if err := checkDataDir(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("reset: %w", err)
	}
	unlock, err := lockStopped(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var done []string
	var errs []error
	step := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			return
		}
		done = append(done, what)
	}

	ids, err := resetContainerd(ctx, cfg, step)
	if err != nil {
		errs = append(errs, err)
	}
	netnsDir := filepath.Join(cfg.DataDir, "netns")
	if n := killInPodNetNS(netnsDir); n > 0 {
		done = append(done, fmt.Sprintf("killed %d processes left in pod network namespaces", n))
	}
	if n, err := unmountUnder(cfg.DataDir); n > 0 || err != nil {
		step(fmt.Sprintf("unmounted %d mounts under %s", n, cfg.DataDir), err)
	}
	// Routes.Close removes every route of protocol 94 whatever the
	// configuration, and the FORWARD accepts of the cluster's ranges
	// (recorded in the data dir; the defaults if it holds none).
	rc := netsvc.RouteConfig{ClusterCIDR: DefaultClusterCIDR, ServiceCIDR: DefaultServiceCIDR}
	if spec, err := loadSettings(cfg.DataDir); err == nil && spec != nil && spec.ClusterCIDR != "" && spec.ServiceCIDR != "" {
		rc.ClusterCIDR, rc.ServiceCIDR = spec.ClusterCIDR, spec.ServiceCIDR
	}
	if p, err := netip.ParsePrefix(rc.ClusterCIDR); err == nil {
		rc.LocalPodCIDR = netip.PrefixFrom(p.Addr(), max(p.Bits(), 24)).String()
	}
	if routes, err := netsvc.NewRoutes(rc); err != nil {
		step("remove the cluster routes", err)
	} else {
		step("removed the cluster routes (proto 94) and iptables FORWARD accepts", routes.Close())
	}
	if table, err := netsvc.NewTable(netsvc.TableConfig{}); err != nil {
		step("remove the nftables table ip shoal", err)
	} else {
		step("removed the nftables table ip shoal", table.Close())
	}
	if link, err := netlink.LinkByName(cni.DefaultBridge); err == nil {
		step("removed the bridge "+cni.DefaultBridge, netlink.LinkDel(link))
	} else if !errors.As(err, &netlink.LinkNotFoundError{}) {
		step("remove the bridge "+cni.DefaultBridge, err)
	}
	if n := removeCgroups(cfg.ContainerdNamespace, ids); n > 0 {
		done = append(done, fmt.Sprintf("removed %d pod cgroups", n))
	}
	if !cfg.KeepData {
		step("removed the data dir "+cfg.DataDir, os.RemoveAll(cfg.DataDir))
	}
	return done, errors.Join(errs...)
}

// raftLockFiles are the files the agent's Raft store holds locked while
// it runs (bbolt's flock): the write-ahead log's meta store, or raft.db
// in a data dir from before it.
var raftLockFiles = []string{
	filepath.Join(dirRaft, "wal", "wal-meta.db"),
	filepath.Join(dirRaft, "raft.db"),
}

// lockStopped takes the lock the agent's Raft store holds, so Reset
// refuses while an agent runs and no agent starts while it works.
func lockStopped(dataDir string) (unlock func(), err error) {
	var held []*os.File
	unlock = func() {
		for _, f := range held {
			_ = f.Close()
		}
	}
	for _, name := range raftLockFiles {
		path := filepath.Join(dataDir, name)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			unlock()
			return nil, fmt.Errorf("reset: %w", err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			_ = f.Close()
			unlock()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("reset: %w (it holds %s): stop it first (systemctl stop shoal, or shoal leave to leave the cluster)", ErrAgentRunning, path)
			}
			return nil, fmt.Errorf("reset: lock %s: %w", path, err)
		}
		held = append(held, f)
	}
	return unlock, nil
}

// resetContainerd empties the agent's containerd namespace, starting the
// containerd the agent ran itself again if need be (its shims outlive
// it), and stops that one afterwards. It returns the IDs of the
// containers it found, whose cgroups go next.
func resetContainerd(ctx context.Context, cfg ResetConfig, step func(string, error)) ([]string, error) {
	embedded := filepath.Join(cfg.DataDir, "containerd")
	if _, err := os.Stat(embedded); err != nil && !socketAnswers(cfg.ContainerdAddress) {
		return nil, nil // neither ours nor a running one: nothing to clean
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rt, err := runtime.Open(ctx, runtime.Config{
		Address: cfg.ContainerdAddress, Namespace: cfg.ContainerdNamespace, DataDir: cfg.DataDir,
		Logger: cfg.Logger.With("component", "runtime"),
	})
	if err != nil {
		return nil, fmt.Errorf("reach containerd to remove the pods: %w", err)
	}
	ids := containerIDs(embedded)
	removed, err := rt.RemoveAll(ctx)
	step(fmt.Sprintf("removed %d containers, %d images and %d snapshots from containerd namespace %s",
		removed.Containers, removed.Images, removed.Snapshots, cfg.ContainerdNamespace), err)
	if rt.Embedded() {
		err := rt.Close()
		// Its sockets stay behind when it stops.
		for _, sock := range []string{cfg.ContainerdAddress, cfg.ContainerdAddress + ".ttrpc"} {
			if rerr := os.Remove(sock); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
		step("stopped the containerd the agent started", err)
	} else if err := rt.Close(); err != nil {
		cfg.Logger.Warn("close containerd client", "err", err)
	}
	return ids, nil
}

// containerIDs are the task directories an embedded containerd keeps.
func containerIDs(embedded string) []string {
	dirs, _ := filepath.Glob(filepath.Join(embedded, "state", "io.containerd.runtime.v2.task", "*", "*"))
	ids := make([]string, 0, len(dirs))
	for _, d := range dirs {
		ids = append(ids, filepath.Base(d))
	}
	return ids
}

func socketAnswers(address string) bool {
	c, err := net.DialTimeout("unix", address, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// killInPodNetNS SIGKILLs every process in a network namespace bound
// under dir and returns how many it found.
func killInPodNetNS(dir string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	inodes := map[uint64]bool{}
	for _, f := range files {
		var st syscall.Stat_t
		if syscall.Stat(f, &st) == nil {
			inodes[st.Ino] = true
		}
	}
	if len(inodes) == 0 {
		return 0
	}
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st) != nil || !inodes[st.Ino] {
			continue
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		n++
	}
	return n
}

// unmountUnder detaches every mount point below dir, deepest first.
func unmountUnder(dir string) (int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], abs+"/") {
			points = append(points, fields[4])
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	var errs []error
	n := 0
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// removeCgroups removes the now empty cgroups of the containers ids (and
// their parent, /shoal-NAMESPACE, when empty) in every controller.
func removeCgroups(namespace string, ids []string) int {
	parents, _ := filepath.Glob("/sys/fs/cgroup/*/shoal-" + namespace)
	if p := "/sys/fs/cgroup/shoal-" + namespace; dirExists(p) {
		parents = append(parents, p) // cgroup v2
	}
	n := 0
	for _, parent := range parents {
		for _, id := range ids {
			if syscall.Rmdir(filepath.Join(parent, id)) == nil {
				n++
			}
		}
		_ = syscall.Rmdir(parent)
	}
	return n
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// dataDirMarkers are files only a Shoal agent writes in its data dir.
var dataDirMarkers = []string{
	raftLockFiles[0], raftLockFiles[1], fileNodeCert, fileGossipKey, filePeers, fileSettings,
	filepath.Join("containerd", "containerd.toml"), filepath.Join("cni", "net.d", "10-shoal.conflist"),
}

// checkDataDir refuses a directory that is not a Shoal data dir (a
// mistyped --data-dir must not unmount or delete someone's files): it
// must hold one of the entries an agent makes, or not exist (then Reset
// still cleans the network and containerd).
func checkDataDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if abs == "/" {
		return errors.New("refusing to remove /")
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	// Files only an agent writes: a directory named like a package
	// (/usr/share/doc holds containerd/ and cni/) does not pass.
	for _, name := range dataDirMarkers {
		if st, err := os.Lstat(filepath.Join(abs, name)); err == nil && st.Mode().IsRegular() {
			return nil
		}
	}
	return fmt.Errorf("%s holds none of the files an agent writes (%s); not touching it: is --data-dir right?", abs, strings.Join(dataDirMarkers, ", "))
}
