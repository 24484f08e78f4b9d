package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// raftConfigMap is the manifest of one register: ConfigMap name holding
// value under data.v.
const raftConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
  labels: {app: raft-history}
data:
  v: %q
`

// raftOpTimeout bounds one client call; a write's own wait for a leader
// (propose.Timeout, 15 s) fits in it.
const raftOpTimeout = 20 * time.Second

// raftWorkload is several clients writing and sync-reading a few
// ConfigMaps through the agents, recording every operation in a history.
// Client i talks to targets[i % len(targets)], so each agent serves some
// clients and a client follows the list when a test changes it.
type raftWorkload struct {
	h       *raftHistory
	keys    []string
	mu      sync.Mutex
	targets []*testcluster.Agent
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	// syncTimeouts counts reads given up because the agent's replica did
	// not show the sync write in time.
	syncTimeouts atomic.Int64
}

// startRaftWorkload starts clients goroutines on keys through targets.
func startRaftWorkload(clients int, keys []string, targets []*testcluster.Agent) *raftWorkload {
	ctx, cancel := context.WithCancel(context.Background())
	w := &raftWorkload{h: newRaftHistory(), keys: keys, ctx: ctx, cancel: cancel}
	w.setTargets(targets)
	for i := range clients {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.run(i)
		}()
	}
	return w
}

// setTargets changes the agents clients talk to from their next
// operation on.
func (w *raftWorkload) setTargets(targets []*testcluster.Agent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.targets = append([]*testcluster.Agent(nil), targets...)
}

func (w *raftWorkload) target(client int) *testcluster.Agent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.targets[client%len(w.targets)]
}

// stop ends the clients and waits for their last operations.
func (w *raftWorkload) stop() {
	w.cancel()
	w.wg.Wait()
}

func (w *raftWorkload) run(client int) {
	rng := rand.New(rand.NewPCG(uint64(client), uint64(time.Now().UnixNano())))
	for n := 0; w.ctx.Err() == nil; n++ {
		a := w.target(client)
		key := w.keys[rng.IntN(len(w.keys))]
		ok := true
		if rng.IntN(2) == 0 {
			ok = raftWrite(w.ctx, w.h, client, a.Client(), key, fmt.Sprintf("c%d-%d", client, n))
		} else if _, err := raftSyncRead(w.ctx, w.h, client, a.Client(), key, fmt.Sprintf("c%d-%d", client, n)); err != nil {
			ok = false
			if errors.Is(err, errRaftSyncTimeout) {
				w.syncTimeouts.Add(1)
			}
		}
		if !ok {
			// Do not spin on a dead or cut-off agent: each failed write
			// is one more operation of unknown outcome to check.
			select {
			case <-w.ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// raftWrite writes value to key through cl and records the write: done
// at its return when acknowledged, of unknown outcome otherwise. It
// reports whether the write was acknowledged.
func raftWrite(ctx context.Context, h *raftHistory, client int, cl *client.Client, key, value string) bool {
	in := raftInput{Key: key, Write: true, Value: value}
	call := h.now()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), raftOpTimeout)
	defer cancel()
	if _, err := cl.Apply(wctx, fmt.Appendf(nil, raftConfigMap, key, value)); err != nil {
		if !raftNoEffect(err) {
			h.add(client, in, raftOutput{}, call, raftUnknown)
		}
		return false
	}
	h.add(client, in, raftOutput{}, call, h.now())
	return true
}

// raftNoEffect reports whether a failed call certainly changed nothing:
// it never reached the agent (the dial failed: the agent is dead or cut
// off), or the API refused it (4xx: the command failed its checks). Any
// other failure (connection lost mid-request, no leader reachable in
// time, 5xx) may have been committed.
func raftNoEffect(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500
}

// errRaftSyncTimeout: the agent's replica did not show the sync write in
// time.
var errRaftSyncTimeout = errors.New("sync write not seen in the agent's replica in time")

// raftSyncRead reads key through cl so that the read is linearizable: it
// first writes token to a ConfigMap of this client's own through the same
// agent, waits until the agent's replica shows it (so the replica has
// applied everything committed before the read began), then reads key
// from the replica. It records the read, and records nothing when any
// step fails (a read that returns nothing says nothing).
func raftSyncRead(ctx context.Context, h *raftHistory, client int, cl *client.Client, key, token string) (string, error) {
	call := h.now()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), raftOpTimeout)
	defer cancel()
	marker := fmt.Sprintf("raft-sync-%d", client)
	if _, err := cl.Apply(rctx, fmt.Appendf(nil, raftConfigMap, marker, token)); err != nil {
		return "", fmt.Errorf("sync write: %w", err)
	}
	for {
		v, err := raftGet(rctx, cl, marker)
		if err != nil {
			return "", fmt.Errorf("read sync write: %w", err)
		}
		if v == token {
			break
		}
		select {
		case <-rctx.Done():
			return "", errRaftSyncTimeout
		case <-time.After(5 * time.Millisecond):
		}
	}
	v, err := raftGet(rctx, cl, key)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	h.add(client, raftInput{Key: key}, raftOutput{Value: v}, call, h.now())
	return v, nil
}

// raftGet reads key's value from the agent's replica, "" if absent.
func raftGet(ctx context.Context, cl *client.Client, key string) (string, error) {
	obj, err := cl.Get(ctx, "configmaps", "default", key)
	if client.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	cm, ok := obj.(*api.ConfigMap)
	if !ok {
		return "", fmt.Errorf("got a %T for configmap %s", obj, key)
	}
	return cm.Data["v"], nil
}

// finalReads sync-reads every key through every agent once the clients
// stopped, records the reads, and returns the values; it fails the test
// when agents disagree or a read fails.
func (w *raftWorkload) finalReads(t *testing.T, agents []*testcluster.Agent) map[string]string {
	t.Helper()
	final := map[string]string{}
	for i, a := range agents {
		for _, key := range w.keys {
			v, err := raftSyncRead(context.Background(), w.h, 1000+i, a.Client(), key, fmt.Sprintf("final-%s-%s", a.Name, key))
			if err != nil {
				t.Fatalf("final read of %s through %s: %v", key, a.Name, err)
			}
			if prev, ok := final[key]; ok && prev != v {
				t.Errorf("%s reads %s = %q, an agent before it %q: replicas disagree", a.Name, key, v, prev)
			}
			final[key] = v
		}
	}
	return final
}

// verify checks the history for linearizability and lost acknowledged
// writes, and returns the number of writes lost (0, or the test failed).
func (w *raftWorkload) verify(t *testing.T, final map[string]string) int {
	t.Helper()
	st := w.h.stats()
	if st.ackedWrites == 0 || st.reads == 0 {
		t.Fatalf("history too thin to say anything: %s", st)
	}
	if err := w.h.check(time.Minute); err != nil {
		t.Error(err)
	}
	lost := w.h.lostWrites(final)
	for _, l := range lost {
		t.Errorf("acknowledged write lost: %s", l)
	}
	return len(lost)
}

// raftStatus asks a for the cluster's status.
func raftStatus(a *testcluster.Agent) (api.Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return a.Client().Status(ctx)
}

// raftLeader waits until a knows a leader and returns that agent.
func raftLeader(t *testing.T, c *testcluster.Cluster, a *testcluster.Agent) *testcluster.Agent {
	t.Helper()
	var leader *testcluster.Agent
	testcluster.Eventually(t, 20*time.Second, func() error {
		st, err := raftStatus(a)
		if err != nil {
			return err
		}
		for _, o := range c.Agents {
			if o.Name == st.Leader {
				leader = o
				return nil
			}
		}
		return fmt.Errorf("%s knows no leader (got %q)", a.Name, st.Leader)
	})
	return leader
}

// raftNewLeader polls the observers until one reports a leader other
// than old, and returns its name and when it was first seen.
func raftNewLeader(t *testing.T, observers []*testcluster.Agent, old string) (string, time.Time) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, a := range observers {
			if st, err := raftStatus(a); err == nil && st.Leader != "" && st.Leader != old {
				return st.Leader, time.Now()
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no leader other than %s within 30s", old)
	return "", time.Time{}
}

// raftOthers returns the cluster's agents but a.
func raftOthers(c *testcluster.Cluster, a *testcluster.Agent) []*testcluster.Agent {
	var out []*testcluster.Agent
	for _, o := range c.Agents {
		if o != a {
			out = append(out, o)
		}
	}
	return out
}

// raftFirstAckAfter is when the first write called after t0 was
// acknowledged, as a duration since t0 on the history's clock; -1 if
// none was.
func (h *raftHistory) firstAckAfter(t0 int64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	best := int64(-1)
	for _, op := range h.ops {
		if op.Input.(raftInput).Write && op.Call >= t0 && op.Return != raftUnknown && (best < 0 || op.Return < best) {
			best = op.Return
		}
	}
	if best < 0 {
		return -1
	}
	return time.Duration(best - t0)
}
