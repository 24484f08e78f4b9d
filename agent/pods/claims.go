package pods

import (
	"context"
	"os"
	"strings"

	"github.com/shoal-dev/shoal/api"
)

// Claim data removal (issue 12). A PersistentVolumeClaim's data is a
// directory on the node it is bound to (claimDir), kept across its pods.
// When the claim is deleted (marked with a deletionTimestamp) and no pod
// uses it any more, the node holding it removes the directory and then the
// claim itself (guarded by its uid), so the data goes with the claim and
// never with a pod.

// removeDeletedClaims removes the data, then the object, of every claim
// bound to this node that is being deleted and that no pod uses: neither
// an unfinished pod in the cluster nor a worker here that is still
// stopping one.
func (m *Manager) removeDeletedClaims(ctx context.Context) {
	if m.cfg.Remove == nil {
		return
	}
	var doomed []*api.PersistentVolumeClaim
	for _, o := range m.view.List("PersistentVolumeClaim", "", nil) {
		if c, ok := o.(*api.PersistentVolumeClaim); ok && c.DeletionTimestamp != nil && c.ClaimNode() == m.cfg.NodeName {
			doomed = append(doomed, c)
		}
	}
	if len(doomed) == 0 {
		return
	}
	inUse, busy := m.claimsInUse()
	for _, c := range doomed {
		if inUse[c.Namespace+"/"+c.Name] || busy[c.Namespace] {
			continue
		}
		if err := os.RemoveAll(claimDir(m.cfg.DataDir, c.Namespace, c.Name)); err != nil {
			m.logger.Warn("remove data of a deleted claim", "claim", c.Namespace+"/"+c.Name, "err", err)
			continue
		}
		if err := m.cfg.Remove(ctx, api.KeyOf(c), c.UID); err != nil {
			m.logger.Warn("remove deleted claim", "claim", c.Namespace+"/"+c.Name, "err", err)
			continue
		}
		m.logger.Info("deleted claim's data removed", "claim", c.Namespace+"/"+c.Name)
	}
}

// claimsInUse returns the claims ("namespace/name") unfinished pods use,
// and the namespaces where a worker runs for a pod the cluster no longer
// lists (force-deleted, still stopping): its claims are unknown, so no
// claim of that namespace is removed until it is done.
func (m *Manager) claimsInUse() (inUse, busy map[string]bool) {
	inUse, busy = map[string]bool{}, map[string]bool{}
	listed := map[string]bool{}
	for _, o := range m.view.List("Pod", "", nil) {
		p := o.(*api.Pod)
		listed[p.UID] = true
		if !p.UsesClaims() {
			continue
		}
		for _, name := range p.Spec.ClaimNames() {
			inUse[p.Namespace+"/"+name] = true
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for uid, w := range m.workers {
		if !listed[uid] {
			ns, _, _ := strings.Cut(w.key, "/")
			busy[ns] = true
		}
	}
	return inUse, busy
}
