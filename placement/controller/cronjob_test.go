package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// newCronJob is a defaulted CronJob whose jobs run one busybox pod.
func newCronJob(name, schedule string) *api.CronJob {
	j := newJob(name, 1, 1)
	cj := &api.CronJob{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.CronJobSpec{
			Schedule:    schedule,
			JobTemplate: api.JobTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"team": "a"}}, Spec: j.Spec},
		},
	}
	api.Default(cj)
	return cj
}

func (h *harness) cronJob(name string) *api.CronJob {
	h.t.Helper()
	o, ok := h.objs[api.Key{Kind: "CronJob", Namespace: "default", Name: name}].(*api.CronJob)
	if !ok {
		h.t.Fatalf("cronjob %s: not found", name)
	}
	return o
}

// cronJobs returns the names of the CronJob's jobs, sorted.
func (h *harness) cronJobs(name string) []string {
	var out []string
	for _, o := range h.ownedBy("Job", h.cronJob(name).UID) {
		out = append(out, o.GetObjectMeta().Name)
	}
	slices.Sort(out)
	return out
}

// runName is the name of the job a CronJob creates for time t.
func runName(cron string, t time.Time) string { return cron + "-" + itoa(int(t.Unix()/60)) }

// at moves the clock to t0+d and settles.
func (h *harness) at(d time.Duration) {
	h.now = t0.Add(d)
	h.settle()
}

func TestCronJobFiresOnSchedule(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		timeZone string
		before   time.Duration // no run yet at t0+before
		fire     time.Duration // first run at t0+fire
	}{
		{"every minute", "*/1 * * * *", "", 59 * time.Second, time.Minute},
		{"every five minutes", "*/5 * * * *", "", 4*time.Minute + 59*time.Second, 5 * time.Minute},
		{"hourly macro", "@hourly", "", 59 * time.Minute, time.Hour},
		{"daily macro", "@daily", "", 11 * time.Hour, 12 * time.Hour},
		{"nine in New York is 14:00 UTC in November", "0 9 * * *", "America/New_York", 119 * time.Minute, 2 * time.Hour},
		{"day of week", "30 12 * * SAT", "", 29 * time.Minute, 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(1)
			cj := newCronJob("tick", tt.schedule)
			if tt.timeZone != "" {
				cj.Spec.TimeZone = &tt.timeZone
			}
			h.put(cj)
			h.at(tt.before)
			if got := h.cronJobs("tick"); len(got) != 0 {
				t.Fatalf("at t0+%s: got jobs %v, want none", tt.before, got)
			}
			h.at(tt.fire)
			due := t0.Add(tt.fire)
			if got, want := h.cronJobs("tick"), []string{runName("tick", due)}; !slices.Equal(got, want) {
				t.Fatalf("at t0+%s: got jobs %v, want %v", tt.fire, got, want)
			}
			cj = h.cronJob("tick")
			if got := cj.Status.LastScheduleTime; got == nil || !got.Equal(due) {
				t.Errorf("got lastScheduleTime %v, want %v", got, due)
			}
			if got := cj.Status.Active; len(got) != 1 || got[0].Name != runName("tick", due) {
				t.Errorf("got active %v, want the new job", got)
			}
			j := h.job(runName("tick", due))
			if got := j.Annotations[api.AnnotationCronJobScheduledTimestamp]; got != due.Format(time.RFC3339) {
				t.Errorf("got scheduled-timestamp %q, want %q", got, due.Format(time.RFC3339))
			}
			if got := j.Labels["team"]; got != "a" {
				t.Errorf("got job label team=%q, want the template's \"a\"", got)
			}
			if got := len(h.activePods(j)); got != 1 {
				t.Errorf("got %d pods of the job, want 1", got)
			}
		})
	}
}

func TestCronJobConcurrencyPolicy(t *testing.T) {
	first, second := runName("c", t0.Add(time.Minute)), runName("c", t0.Add(2*time.Minute))
	tests := []struct {
		policy api.ConcurrencyPolicy
		want   []string // jobs at t0+2m while the first still runs
	}{
		{api.AllowConcurrent, []string{first, second}},
		{api.ForbidConcurrent, []string{first}},
		{api.ReplaceConcurrent, []string{second}},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			h := newHarness(t).withNodes(1)
			cj := newCronJob("c", "* * * * *")
			cj.Spec.ConcurrencyPolicy = tt.policy
			h.put(cj)
			h.at(time.Minute)
			h.at(2 * time.Minute)
			if got := h.cronJobs("c"); !slices.Equal(got, tt.want) {
				t.Errorf("got jobs %v, want %v", got, tt.want)
			}
			if tt.policy == api.ForbidConcurrent {
				if got := h.cronJob("c").Status.LastScheduleTime; !got.Equal(t0.Add(time.Minute)) {
					t.Errorf("got lastScheduleTime %v, want the skipped run not recorded", got)
				}
				// Once the first job finishes, the run still due starts.
				h.finishPods(h.job(first), api.PodSucceeded, -1)
				h.at(2*time.Minute + 10*time.Second)
				if got, want := h.cronJobs("c"), []string{first, second}; !slices.Equal(got, want) {
					t.Errorf("after the first finished: got jobs %v, want %v", got, want)
				}
			}
		})
	}
}

func TestCronJobSuspend(t *testing.T) {
	h := newHarness(t).withNodes(1)
	cj := newCronJob("s", "* * * * *")
	cj.Spec.Suspend = ptr(true)
	h.put(cj)
	h.at(3 * time.Minute)
	if got := h.cronJobs("s"); len(got) != 0 {
		t.Errorf("got jobs %v while suspended, want none", got)
	}
}

func TestCronJobMissedSchedules(t *testing.T) {
	tests := []struct {
		name     string
		deadline *int64
		downFor  time.Duration // the leader saw nothing from t0 until t0+downFor
		want     bool          // whether a run starts then
	}{
		{"late within the deadline", ptr(int64(60)), 10*time.Minute + 45*time.Second, true},
		{"late past the deadline", ptr(int64(30)), 10*time.Minute + 45*time.Second, false},
		{"no deadline, 100 missed", nil, 100*time.Minute + 30*time.Second, true},
		{"no deadline, 101 missed: too many missed start times", nil, 101*time.Minute + 30*time.Second, false},
		{"deadline bounds the count", ptr(int64(600)), 300 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(1)
			cj := newCronJob("m", "* * * * *")
			cj.Spec.StartingDeadlineSeconds = tt.deadline
			h.put(cj)
			h.at(tt.downFor)
			got := h.cronJobs("m")
			want := []string(nil)
			if tt.want {
				want = []string{runName("m", h.now.Truncate(time.Minute))}
			}
			if !slices.Equal(got, want) {
				t.Errorf("got jobs %v, want %v", got, want)
			}
		})
	}
}

func TestCronJobHistoryLimits(t *testing.T) {
	h := newHarness(t).withNodes(1)
	cj := newCronJob("h", "* * * * *")
	cj.Spec.SuccessfulJobsHistoryLimit = ptr(int32(2))
	cj.Spec.FailedJobsHistoryLimit = ptr(int32(1))
	cj.Spec.JobTemplate.Spec.BackoffLimit = ptr(int32(0))
	h.put(cj)
	var succeeded, failed []string
	for i := 1; i <= 6; i++ {
		h.at(time.Duration(i) * time.Minute)
		name := runName("h", t0.Add(time.Duration(i)*time.Minute))
		phase := api.PodSucceeded
		if i%2 == 0 {
			phase = api.PodFailed
			failed = append(failed, name)
		} else {
			succeeded = append(succeeded, name)
		}
		h.finishPods(h.job(name), phase, -1)
		h.at(time.Duration(i)*time.Minute + 30*time.Second)
	}
	want := append(slices.Clone(succeeded[len(succeeded)-2:]), failed[len(failed)-1])
	slices.Sort(want)
	if got := h.cronJobs("h"); !slices.Equal(got, want) {
		t.Errorf("got jobs %v, want the 2 newest succeeded and the newest failed %v", got, want)
	}
	cj = h.cronJob("h")
	if got, want := cj.Status.LastSuccessfulTime, t0.Add(5*time.Minute+30*time.Second); got == nil || !got.Equal(want) {
		t.Errorf("got lastSuccessfulTime %v, want %v", got, want)
	}
	if len(cj.Status.Active) != 0 {
		t.Errorf("got active %v, want none", cj.Status.Active)
	}
	for _, o := range h.keys() {
		if pod, ok := h.objs[o].(*api.Pod); ok {
			if ref := controllerOf(&pod.ObjectMeta); ref != nil && !slices.Contains(want, ref.Name) {
				t.Errorf("pod %s of pruned job %s still exists", pod.Name, ref.Name)
			}
		}
	}
}

func TestCronJobDeletedTakesItsJobs(t *testing.T) {
	h := newHarness(t).withNodes(1)
	h.put(newCronJob("d", "* * * * *"))
	h.at(time.Minute)
	uid := h.job(runName("d", t0.Add(time.Minute))).UID
	h.del("CronJob", "default", "d")
	h.settle()
	if _, ok := h.objs[api.Key{Kind: "Job", Namespace: "default", Name: runName("d", t0.Add(time.Minute))}]; ok {
		t.Errorf("job of a deleted cronjob still exists")
	}
	if got := len(h.ownedBy("Pod", uid)); got != 0 {
		t.Errorf("got %d pods of its job, want 0", got)
	}
}
