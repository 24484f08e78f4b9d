package runtime

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shoal-dev/shoal/internal/testimage"
)

// BenchmarkStartContainer measures create + start + running of a busybox
// container (removal is outside the timer).
func BenchmarkStartContainer(b *testing.B) {
	r := newTestEnv(b).open(b, true)
	importImages(b, r)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprintf("bench-%d", i)
		cfg := ContainerConfig{ID: id, Image: testimage.BusyboxRef, Command: []string{"sleep", "1000"}}
		if err := r.CreateContainer(ctx, cfg); err != nil {
			b.Fatal(err)
		}
		if _, err := r.StartContainer(ctx, id, filepath.Join(r.cfg.DataDir, id+".log")); err != nil {
			b.Fatal(err)
		}
		waitState(b, r, id, StateRunning)
		b.StopTimer()
		if err := r.RemoveContainer(ctx, id); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
