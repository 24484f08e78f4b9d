package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/shoal-dev/shoal/agent/pods"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// fillerYAML is a Deployment of %[2]d pods with a disk emptyDir "data"
// (sizeLimit %[4]s, none if empty) whose pods on node %[3]s write 4 MiB
// files into it, five a second, until they are stopped; the others sleep.
const fillerYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: sh
          image: shoal.local/busybox:1
          command: ["sh", "-c", "if [ \"$NODE\" = %[3]s ]; then i=0; while :; do head -c 4194304 /dev/zero > /data/f$i || sleep 1; i=$((i+1)); sleep 0.2; done; fi; sleep 3600"]
          env:
            - name: NODE
              valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
          volumeMounts: [{name: data, mountPath: /data}]
      volumes:
        - name: data
          emptyDir: {%[4]s}
`

// smallDataDir mounts a tmpfs of size bytes on dir, the data dir of an
// agent not started yet: its Raft, containerd and pod volumes share a
// filesystem that pods can fill. The cluster's cleanup unmounts it.
func smallDataDir(t *testing.T, dir string, size int64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Fatalf("mount a %d-byte tmpfs on %s: %v", size, dir, err)
	}
}

// freeBytes is what statfs says is available on dir's filesystem.
func freeBytes(dir string) (free, capacity int64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return int64(st.Bavail) * st.Bsize, int64(st.Blocks) * st.Bsize, nil
}

// evictionWatch records, from a watch on the cluster, when pods of an app
// were evicted, the Evicted events, and node n's DiskPressure condition.
type evictionWatch struct {
	mu       sync.Mutex
	evicted  map[string]*api.Pod // by uid, first Failed/Evicted version
	at       map[string]time.Time
	events   []string // "pod: message" of Evicted events
	pressure []bool   // node's DiskPressure status as it changed
}

func watchEvictions(t *testing.T, a *testcluster.Agent, app, node string) *evictionWatch {
	t.Helper()
	w := &evictionWatch{evicted: map[string]*api.Pod{}, at: map[string]time.Time{}}
	cl := a.Client()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			_ = cl.Watch(ctx, "", []string{"Pod", "Event", "Node"}, func(ev api.WatchEvent) bool {
				w.record(ev.Object, app, node)
				return true
			})
		}
	}()
	return w
}

func (w *evictionWatch) record(o api.Object, app, node string) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	switch o := o.(type) {
	case *api.Pod:
		if o.Labels["app"] == app && o.Status.Phase == api.PodFailed && o.Status.Reason == pods.ReasonEvicted && w.evicted[o.UID] == nil {
			w.evicted[o.UID], w.at[o.UID] = o, now
		}
	case *api.Event:
		if o.Reason == pods.ReasonEvicted && strings.HasPrefix(o.InvolvedObject.Name, app+"-") {
			w.events = append(w.events, o.InvolvedObject.Name+": "+o.Message)
		}
	case *api.Node:
		if o.Name != node {
			return
		}
		if p := o.HasDiskPressure(); len(w.pressure) == 0 || w.pressure[len(w.pressure)-1] != p {
			w.pressure = append(w.pressure, p)
		}
	}
}

// first returns the first pod evicted on node, and when it was seen.
func (w *evictionWatch) first(node string) (*api.Pod, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var got *api.Pod
	var at time.Time
	for uid, p := range w.evicted {
		if p.Spec.NodeName == node && (got == nil || w.at[uid].Before(at)) {
			got, at = p, w.at[uid]
		}
	}
	return got, at
}

func (w *evictionWatch) snapshot() (events []string, pressure []bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.events...), append([]bool(nil), w.pressure...)
}

// TestDiskPressureEviction performs the attack: node n1's data dir (Raft,
// containerd, pod volumes) is a 256 MiB filesystem, and a pod there writes
// into a disk emptyDir without end. Before the filesystem fills, n1
// reports DiskPressure, evicts the pod (Failed, reason Evicted, kubelet's
// message naming ephemeral-storage, an Evicted event), its data is
// deleted and the space is back; its Deployment replaces it on n2, as n1
// takes no new pods while under pressure; n1's DiskPressure ends after the
// transition period; and writes through n1 (the Raft leader, whose log is
// on the small filesystem) commit all along.
func TestDiskPressureEviction(t *testing.T) {
	const size = 256 << 20
	c := testcluster.NewNetNS(t)
	n1 := c.NewAgent("n1")
	smallDataDir(t, n1.DataDir, size)
	c.Agents = append(c.Agents, n1)
	if err := n1.Start(); err != nil {
		t.Fatalf("start n1: %v", err)
	}
	n1.WaitReady(30 * time.Second)
	c.Add("n2")
	importImages(t, c)

	ts, err := pods.ParseEvictionHard(pods.DefaultEvictionHard)
	if err != nil {
		t.Fatal(err)
	}
	minFree := ts.NodeFSMinFree(size)
	watch := watchEvictions(t, c.Agents[1], "filler", "n1")

	// The test's own reading of n1's free space, for the measurement:
	// when it first crossed the threshold, and the lowest it went.
	var crossed atomic.Int64
	lowest := atomic.Int64{}
	lowest.Store(size)
	sampleCtx, stopSampling := context.WithCancel(context.Background())
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for sampleCtx.Err() == nil {
			if free, _, err := freeBytes(n1.DataDir); err == nil {
				if free < lowest.Load() {
					lowest.Store(free)
				}
				if free < minFree {
					crossed.CompareAndSwap(0, time.Now().UnixNano())
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { stopSampling(); <-sampled })

	// Writes through n1 all along: a ConfigMap applied twice a second.
	cl := n1.Client()
	var applied, failed atomic.Int64
	var firstErr atomic.Value
	writeCtx, stopWrites := context.WithCancel(context.Background())
	written := make(chan struct{})
	go func() {
		defer close(written)
		for i := 0; writeCtx.Err() == nil; i++ {
			cm := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: heartbeat}\ndata: {n: %q}\n", fmt.Sprint(i))
			ctx, cancel := context.WithTimeout(writeCtx, 10*time.Second)
			_, err := cl.Apply(ctx, []byte(cm))
			cancel()
			switch {
			case err == nil:
				applied.Add(1)
			case writeCtx.Err() == nil:
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { stopWrites(); <-written })

	apply(t, n1, []byte(fmt.Sprintf(fillerYAML, "filler", 2, "n1", "")))
	var victim *api.Pod
	var evictedAt time.Time
	testcluster.Eventually(t, 180*time.Second, func() error {
		if victim, evictedAt = watch.first("n1"); victim == nil {
			free, _, _ := freeBytes(n1.DataDir)
			return fmt.Errorf("no pod evicted on n1 yet (%d MiB free, threshold %d MiB)", free>>20, minFree>>20)
		}
		return nil
	})
	want := "The node was low on resource: ephemeral-storage. Threshold quantity: "
	if !strings.HasPrefix(victim.Status.Message, want) {
		t.Fatalf("evicted pod's message: got %q, want one starting %q", victim.Status.Message, want)
	}
	if free, _, _ := freeBytes(n1.DataDir); free < minFree {
		t.Fatalf("free space on n1 after the eviction: got %d MiB, want at least the threshold, %d MiB", free>>20, minFree>>20)
	}
	if low := lowest.Load(); low <= 0 {
		t.Fatalf("lowest free space on n1: got %d bytes, want the filesystem never full", low)
	}
	vol := filepath.Join(n1.DataDir, "pods", victim.UID, "volumes", "empty-dir", "data")
	if _, err := os.Stat(vol); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("evicted pod's emptyDir %s: got %v, want it deleted", vol, err)
	}
	metrics, err := scrapeMetrics(c, n1)
	if err != nil {
		t.Fatal(err)
	}
	if got := counterSum(metrics, `shoal_pod_evictions_total{cause="disk-pressure"}`); got < 1 {
		t.Fatalf("shoal_pod_evictions_total{cause=\"disk-pressure\"} on n1: got %v, want at least 1", got)
	}
	// Pressure lasts 30 s past the eviction (the transition period).
	if got := counterSum(metrics, "shoal_node_disk_pressure"); got != 1 {
		t.Fatalf("shoal_node_disk_pressure on n1 right after the eviction: got %v, want 1", got)
	}
	testcluster.Eventually(t, 30*time.Second, func() error {
		events, pressure := watch.snapshot()
		if len(events) == 0 || !strings.Contains(strings.Join(events, "\n"), want) {
			return fmt.Errorf("evicted events: got %q, want one with %q", events, want)
		}
		if !slices.Contains(pressure, true) {
			return fmt.Errorf("n1 DiskPressure: got %v, want True seen", pressure)
		}
		return nil
	})

	// The Deployment replaces it on n2: n1 takes no new pods meanwhile.
	testcluster.Eventually(t, 60*time.Second, func() error {
		live := podsOf(t, n1, "filler")
		if len(live) != 2 {
			return fmt.Errorf("%d live pods of filler, want 2", len(live))
		}
		for _, p := range live {
			if p.Spec.NodeName != "n2" || p.Status.Phase != api.PodRunning {
				return fmt.Errorf("pod %s on %q is %s; want every pod Running on n2 while n1 is under pressure", p.Name, p.Spec.NodeName, p.Status.Phase)
			}
		}
		return nil
	})
	testcluster.Eventually(t, 90*time.Second, func() error {
		_, pressure := watch.snapshot()
		if len(pressure) == 0 || pressure[len(pressure)-1] {
			return fmt.Errorf("n1 DiskPressure: got %v, want False at last", pressure)
		}
		return nil
	})

	stopWrites()
	<-written
	if failed.Load() > 0 || applied.Load() < 20 {
		t.Fatalf("writes through n1: got %d committed and %d failed (first: %v); want every one committed, at least 20", applied.Load(), failed.Load(), firstErr.Load())
	}
	if at := crossed.Load(); at != 0 {
		t.Logf("measured: %.2f s from n1's free space crossing %d MiB to the pod seen Evicted by a watch; lowest free %d MiB; %d writes committed through n1",
			evictedAt.Sub(time.Unix(0, at)).Seconds(), minFree>>20, lowest.Load()>>20, applied.Load())
	}
}

// TestEmptyDirSizeLimitEviction performs the other attack: a pod writes
// past its disk emptyDir's sizeLimit on a node with plenty of space. It is
// evicted with kubelet's message, naming the volume and the limit.
func TestEmptyDirSizeLimitEviction(t *testing.T) {
	c := podCluster(t, "n1")
	n1 := c.Agents[0]
	watch := watchEvictions(t, n1, "capped", "n1")
	apply(t, n1, []byte(fmt.Sprintf(fillerYAML, "capped", 1, "n1", "sizeLimit: 8Mi")))
	var victim *api.Pod
	testcluster.Eventually(t, 120*time.Second, func() error {
		if victim, _ = watch.first("n1"); victim == nil {
			return errors.New("no pod of capped evicted yet")
		}
		return nil
	})
	want := `Usage of EmptyDir volume "data" exceeds the limit "8Mi"`
	if !strings.Contains(victim.Status.Message, want) {
		t.Fatalf("evicted pod's message: got %q, want one containing %q", victim.Status.Message, want)
	}
	metrics, err := scrapeMetrics(c, n1)
	if err != nil {
		t.Fatal(err)
	}
	if got := counterSum(metrics, `shoal_pod_evictions_total{cause="local-storage-limit"}`); got < 1 {
		t.Fatalf("shoal_pod_evictions_total{cause=\"local-storage-limit\"}: got %v, want at least 1", got)
	}
	if got := counterSum(metrics, "shoal_node_disk_pressure"); got != 0 {
		t.Fatalf("shoal_node_disk_pressure: got %v, want 0", got)
	}
	if _, pressure := watch.snapshot(); slices.Contains(pressure, true) {
		t.Fatalf("n1 DiskPressure: got %v, want never True (the pod broke its own limit, the node has space)", pressure)
	}
}
