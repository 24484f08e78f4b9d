package pods

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// diskPod is a pod for the ranking tests: its containers' ephemeral-storage
// requests and limits (as quantities, "" for none) and its volumes.
func diskPod(name, request, limit string, vols ...api.Volume) *api.Pod {
	p := &api.Pod{}
	p.Name, p.Namespace, p.UID = name, "default", "uid-"+name
	c := api.Container{Name: "main"}
	if request != "" {
		c.Resources.Requests = api.ResourceList{api.ResourceEphemeralStorage: api.MustParseQuantity(request)}
	}
	if limit != "" {
		c.Resources.Limits = api.ResourceList{api.ResourceEphemeralStorage: api.MustParseQuantity(limit)}
	}
	p.Spec.Containers = []api.Container{c}
	p.Spec.Volumes = vols
	return p
}

func diskVolume(name, sizeLimit string, medium api.StorageMedium) api.Volume {
	v := api.Volume{Name: name, EmptyDir: &api.EmptyDirVolumeSource{Medium: medium}}
	if sizeLimit != "" {
		q := api.MustParseQuantity(sizeLimit)
		v.EmptyDir.SizeLimit = &q
	}
	return v
}

func usage(p *api.Pod, logs int64, vols map[string]int64) podDisk {
	if vols == nil {
		vols = map[string]int64{}
	}
	return podDisk{pod: p, volumes: vols, logs: logs}
}

func TestRankForEviction(t *testing.T) {
	const mi = int64(1) << 20
	tests := []struct {
		name string
		pods []podDisk
		want string // pod names, first evicted first
	}{
		{
			name: "largest first among pods without requests",
			pods: []podDisk{
				usage(diskPod("small", "", ""), mi, nil),
				usage(diskPod("big", "", ""), 0, map[string]int64{"scratch": 50 * mi}),
				usage(diskPod("mid", "", ""), 5*mi, map[string]int64{"scratch": 5 * mi}),
			},
			want: "big,mid,small",
		},
		{
			name: "over its request goes before within, however large",
			pods: []podDisk{
				usage(diskPod("guaranteed-big", "1Gi", ""), 0, map[string]int64{"scratch": 900 * mi}),
				usage(diskPod("besteffort-small", "", ""), mi, nil),
			},
			want: "besteffort-small,guaranteed-big",
		},
		{
			name: "among pods over their requests, by usage above the request",
			pods: []podDisk{
				usage(diskPod("a", "100Mi", ""), 0, map[string]int64{"scratch": 120 * mi}), // 20Mi over
				usage(diskPod("b", "", ""), 0, map[string]int64{"scratch": 30 * mi}),       // 30Mi over
				usage(diskPod("c", "10Mi", ""), 0, map[string]int64{"scratch": 15 * mi}),   // 5Mi over
			},
			want: "b,a,c",
		},
		{
			name: "among pods within their requests, by what is left of the request, least first",
			pods: []podDisk{
				usage(diskPod("roomy", "1Gi", ""), 0, map[string]int64{"scratch": 10 * mi}),
				usage(diskPod("tight", "20Mi", ""), 0, map[string]int64{"scratch": 19 * mi}),
			},
			want: "tight,roomy",
		},
		{
			name: "ties by name",
			pods: []podDisk{
				usage(diskPod("b", "", ""), mi, nil),
				usage(diskPod("a", "", ""), mi, nil),
			},
			want: "a,b",
		},
		{
			name: "a pod using nothing is still in the order, last",
			pods: []podDisk{
				usage(diskPod("idle", "", ""), 0, nil),
				usage(diskPod("busy", "", ""), mi, nil),
			},
			want: "busy,idle",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			for _, d := range rankForEviction(tt.pods) {
				names = append(names, d.pod.Name)
			}
			if got := strings.Join(names, ","); got != tt.want {
				t.Fatalf("got order %s, want %s", got, tt.want)
			}
		})
	}
}

func TestOverLimit(t *testing.T) {
	const mi = int64(1) << 20
	tests := []struct {
		name string
		d    podDisk
		want string // "" for within limits
	}{
		{"no limits", usage(diskPod("p", "", "", diskVolume("scratch", "", "")), 0, map[string]int64{"scratch": 900 * mi}), ""},
		{"emptyDir within its sizeLimit", usage(diskPod("p", "", "", diskVolume("scratch", "10Mi", "")), 0, map[string]int64{"scratch": 10 * mi}), ""},
		{"emptyDir over its sizeLimit", usage(diskPod("p", "", "", diskVolume("scratch", "10Mi", "")), 0, map[string]int64{"scratch": 10*mi + 1}),
			`Usage of EmptyDir volume "scratch" exceeds the limit "10Mi" (using 10Mi).`},
		{"second emptyDir over", usage(diskPod("p", "", "", diskVolume("a", "10Mi", ""), diskVolume("b", "1Mi", "")), 0, map[string]int64{"a": mi, "b": 2 * mi}),
			`Usage of EmptyDir volume "b" exceeds the limit "1Mi"`},
		{"memory emptyDir is capped by its tmpfs, not here", usage(diskPod("p", "", "", diskVolume("scratch", "1Mi", api.StorageMediumMemory)), 0, map[string]int64{"scratch": 2 * mi}), ""},
		{"pod within its containers' limit", usage(diskPod("p", "", "20Mi"), 10*mi, map[string]int64{"scratch": 10 * mi}), ""},
		{"pod over its containers' limit, logs included", usage(diskPod("p", "", "20Mi"), 11*mi, map[string]int64{"scratch": 10 * mi}),
			"Pod ephemeral local storage usage exceeds the total limit of containers 20Mi (using 21Mi)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := overLimit(tt.d)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnderPressure(t *testing.T) {
	const gi, mi = int64(1) << 30, int64(1) << 20
	def, err := ParseEvictionHard(DefaultEvictionHard)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		obs      diskObservation
		want     Signal // "" for no pressure
		wantRule string
	}{
		{"plenty free", diskObservation{nodeFS: fsStat{100 * gi, 50 * gi}}, "", ""},
		{"nodefs just above 10%", diskObservation{nodeFS: fsStat{100 * gi, 10 * gi}}, "", ""},
		{"nodefs below 10%", diskObservation{nodeFS: fsStat{100 * gi, 10*gi - 1}}, SignalNodeFS, "nodefs.available<10%"},
		{"small disk below Raft's reserve", diskObservation{nodeFS: fsStat{4 * gi, 500 * mi}}, SignalNodeFS, "nodefs.available<512Mi, Raft's reserve"},
		{"imagefs below 15%", diskObservation{nodeFS: fsStat{100 * gi, 50 * gi}, imageFS: &fsStat{100 * gi, 14 * gi}}, SignalImageFS, "imagefs.available<15%"},
		{"imagefs fine", diskObservation{nodeFS: fsStat{100 * gi, 50 * gi}, imageFS: &fsStat{100 * gi, 16 * gi}}, "", ""},
		{"nodefs is reported before imagefs", diskObservation{nodeFS: fsStat{100 * gi, gi}, imageFS: &fsStat{100 * gi, gi}}, SignalNodeFS, "nodefs.available<10%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, under := underPressure(def, tt.obs)
			if under != (tt.want != "") || p.signal != tt.want {
				t.Fatalf("got pressure %v on %q, want %q", under, p.signal, tt.want)
			}
			if under && p.rule != tt.wantRule {
				t.Fatalf("got rule %q, want %q", p.rule, tt.wantRule)
			}
		})
	}
}

// TestDiskUsage measures a real directory: blocks are counted, a hard
// link once, a symlink's target not at all.
func TestDiskUsage(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i) | 1 // not sparse, not zero
	}
	if err := os.WriteFile(filepath.Join(dir, "a"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "a-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "b"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	got := diskUsage(dir)
	if got < 1<<20 || got > 1<<20+64<<10 {
		t.Fatalf("got %d bytes, want about %d (one 1 MiB file, its hard link once, the symlink's target not at all)", got, 1<<20)
	}
	if got := diskUsage(filepath.Join(dir, "missing")); got != 0 {
		t.Fatalf("missing dir: got %d bytes, want 0", got)
	}
}
