package pods

import (
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// TestContainerConfigRefusesWrappingIDs runs pods whose IDs do not fit 31
// bits, as a pod stored before validation refused them would: narrowed to
// 32 bits, 4294967296 is root and would slip past runAsNonRoot.
func TestContainerConfigRefusesWrappingIDs(t *testing.T) {
	id := func(v int64) *int64 { return &v }
	yes := true
	tests := []struct {
		name    string
		pod     *api.PodSecurityContext
		ctr     *api.SecurityContext
		wantErr string
		wantUID uint32
	}{
		{name: "runAsNonRoot with uid 2^32", ctr: &api.SecurityContext{RunAsNonRoot: &yes, RunAsUser: id(1 << 32)}, wantErr: "runAsUser 4294967296 is outside 0-2147483647"},
		{name: "uid 2^31", ctr: &api.SecurityContext{RunAsUser: id(1 << 31)}, wantErr: "runAsUser 2147483648 is outside 0-2147483647"},
		{name: "pod uid 2^32+1000", pod: &api.PodSecurityContext{RunAsUser: id(1<<32 + 1000)}, wantErr: "runAsUser 4294968296 is outside"},
		{name: "gid 2^32", ctr: &api.SecurityContext{RunAsGroup: id(1 << 32)}, wantErr: "runAsGroup 4294967296 is outside"},
		{name: "fsGroup 2^32", pod: &api.PodSecurityContext{FSGroup: id(1 << 32)}, wantErr: "fsGroup 4294967296 is outside"},
		{name: "negative uid", ctr: &api.SecurityContext{RunAsUser: id(-1)}, wantErr: "runAsUser -1 is outside"},
		{name: "largest uid", ctr: &api.SecurityContext{RunAsNonRoot: &yes, RunAsUser: id(api.MaxID)}, wantUID: api.MaxID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns", UID: "u"}, Spec: api.PodSpec{SecurityContext: tt.pod}}
			c := &api.Container{Name: "c", Image: "x", SecurityContext: tt.ctr}
			cfg, err := containerConfig(pod, c, nil, nil, nil, "", t.TempDir())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if cfg.UID == nil || *cfg.UID != tt.wantUID {
				t.Fatalf("got UID %v, want %d", cfg.UID, tt.wantUID)
			}
		})
	}
}
