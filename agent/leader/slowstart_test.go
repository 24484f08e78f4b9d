package leader

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/placement/controller"
)

// batchProposer records the size of each Put and fails from call failAt
// on (0: never).
type batchProposer struct {
	sizes  []int
	failAt int
}

func (p *batchProposer) Propose(_ context.Context, cmd consensus.Command) ([]api.Written, error) {
	put, ok := cmd.(consensus.Put)
	if !ok {
		return nil, nil
	}
	p.sizes = append(p.sizes, len(put.Objects))
	if p.failAt > 0 && len(p.sizes) >= p.failAt {
		return nil, fmt.Errorf("%w: namespace is being deleted", consensus.ErrInvalid)
	}
	return nil, nil
}

func TestCreatesSlowStart(t *testing.T) {
	pods := func(n int) []api.Object {
		var out []api.Object
		for i := range n {
			out = append(out, &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: api.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("p-%d", i)}})
		}
		return out
	}
	tests := []struct {
		name          string
		creates       int
		failAt        int
		wantSizes     []int
		wantCommitted int
	}{
		{name: "one", creates: 1, wantSizes: []int{1}, wantCommitted: 1},
		{name: "twenty", creates: 20, wantSizes: []int{1, 2, 4, 8, 5}, wantCommitted: 20},
		{name: "batches stop growing at maxBatch", creates: 1600, wantSizes: []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 500, 500, 89}, wantCommitted: 1600},
		{name: "every create fails", creates: 10_000, failAt: 1, wantSizes: []int{1}, wantCommitted: 0},
		{name: "third batch fails", creates: 10_000, failAt: 3, wantSizes: []int{1, 2, 4}, wantCommitted: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &batchProposer{failAt: tt.failAt}
			l := New(Config{Proposer: p, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			got := l.createSlowStart(context.Background(), pods(tt.creates), time.Now())
			if got != tt.wantCommitted {
				t.Errorf("got %d committed, want %d", got, tt.wantCommitted)
			}
			if !slices.Equal(p.sizes, tt.wantSizes) {
				t.Errorf("got batches %v, want %v", p.sizes, tt.wantSizes)
			}
		})
	}
}

// TestFailedCreatesLeaveUpdates checks that a pass whose creates fail
// still commits its updates and statuses.
func TestFailedCreatesLeaveUpdates(t *testing.T) {
	p := &batchProposer{failAt: 1}
	l := New(Config{Proposer: p, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	pod := func(name string) api.Object {
		return &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name}}
	}
	l.commitChanges(context.Background(), controller.Changes{
		Creates:  []api.Object{pod("a"), pod("b"), pod("c")},
		Updates:  []api.Object{pod("d")},
		Statuses: []api.Object{pod("e")},
	}, time.Now())
	if want := []int{1, 1, 1}; !slices.Equal(p.sizes, want) {
		t.Errorf("got batches %v, want %v (one create, then the update and the status)", p.sizes, want)
	}
}
