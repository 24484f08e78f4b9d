package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// newJob is a defaulted Job running busybox with restartPolicy Never.
func newJob(name string, completions, parallelism int32) *api.Job {
	t := template(name, "busybox")
	t.Spec.RestartPolicy = api.RestartNever
	j := &api.Job{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       api.JobSpec{Completions: &completions, Parallelism: &parallelism, Template: t},
	}
	api.Default(j)
	return j
}

// checkJob checks a Job never runs more pods than parallelism, nor more
// than one pod per index.
func (h *harness) checkJob(j *api.Job) {
	h.t.Helper()
	running := 0
	indexes := map[string]bool{}
	for _, pod := range h.podsOf(j) {
		if !isActive(pod) {
			continue
		}
		running++
		if i, ok := pod.Annotations[api.AnnotationJobCompletionIndex]; ok {
			if indexes[i] {
				h.t.Fatalf("job %s: got two active pods for index %s", j.Name, i)
			}
			indexes[i] = true
		}
	}
	if p := int(*j.Spec.Parallelism); running > p {
		h.t.Fatalf("job %s: got %d active pods, want at most parallelism %d", j.Name, running, p)
	}
}

func (h *harness) job(name string) *api.Job {
	h.t.Helper()
	o, ok := h.objs[api.Key{Kind: "Job", Namespace: "default", Name: name}].(*api.Job)
	if !ok {
		h.t.Fatalf("job %s: not found", name)
	}
	return o
}

// finishPods ends n of the job's running pods (all if n < 0) with phase,
// as their agent reports it.
func (h *harness) finishPods(j *api.Job, phase api.PodPhase, n int) {
	h.t.Helper()
	for _, pod := range h.activePods(j) {
		if n == 0 {
			return
		}
		if pod.Status.Phase != api.PodRunning {
			continue
		}
		cp := api.DeepCopy(pod)
		cp.Status.Phase = phase
		h.write(cp, false)
		n--
	}
}

func jobCondition(j *api.Job) string {
	for _, c := range j.Status.Conditions {
		if c.Status == api.ConditionTrue && (c.Type == api.JobComplete || c.Type == api.JobFailed) {
			return string(c.Type) + "/" + c.Reason
		}
	}
	return ""
}

func TestJobCompletionsAndParallelism(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newJob("work", 3, 2))
	h.settle()
	if got := len(h.activePods(h.job("work"))); got != 2 {
		t.Fatalf("got %d active pods, want 2 (parallelism)", got)
	}
	h.finishPods(h.job("work"), api.PodSucceeded, 1)
	h.settle()
	j := h.job("work")
	if got, want := []int32{j.Status.Active, j.Status.Succeeded}, []int32{2, 1}; !slices.Equal(got, want) {
		t.Fatalf("got active, succeeded %v, want %v", got, want)
	}
	h.finishPods(j, api.PodSucceeded, 1)
	h.settle()
	j = h.job("work")
	if got := j.Status.Active; got != 1 {
		t.Fatalf("got %d active pods with one completion left, want 1", got)
	}
	h.advance(5 * time.Second)
	h.finishPods(j, api.PodSucceeded, -1)
	h.settle()
	j = h.job("work")
	if got := jobCondition(j); got != "Complete/" {
		t.Errorf("got condition %q, want Complete", got)
	}
	if j.Status.CompletionTime == nil || !j.Status.CompletionTime.Equal(h.now) {
		t.Errorf("got completionTime %v, want %v", j.Status.CompletionTime, h.now)
	}
	if j.Status.StartTime == nil || !j.Status.StartTime.Equal(t0) {
		t.Errorf("got startTime %v, want %v", j.Status.StartTime, t0)
	}
	if got, want := []int32{j.Status.Active, j.Status.Succeeded, j.Status.Failed}, []int32{0, 3, 0}; !slices.Equal(got, want) {
		t.Errorf("got active, succeeded, failed %v, want %v", got, want)
	}
	if got := len(h.podsOf(j)); got != 3 {
		t.Errorf("got %d pods after completion, want the 3 succeeded ones kept", got)
	}
	for _, pod := range h.podsOf(j) {
		if pod.Labels[api.LabelJobName] != "work" || pod.Labels[api.LabelControllerUID] != j.UID {
			t.Errorf("pod %s: got labels %v, want job-name and controller-uid", pod.Name, pod.Labels)
		}
	}
}

func TestJobBackoffLimit(t *testing.T) {
	tests := []struct {
		name         string
		policy       api.RestartPolicy
		backoffLimit int32
		failPods     int   // pods that fail (restartPolicy Never)
		restarts     int32 // container restarts of the running pod
		want         string
	}{
		{"never: failures up to the limit retry", api.RestartNever, 2, 2, 0, ""},
		{"never: one failure past the limit fails", api.RestartNever, 2, 3, 0, "Failed/BackoffLimitExceeded"},
		{"never: limit 0 fails at the first failure", api.RestartNever, 0, 1, 0, "Failed/BackoffLimitExceeded"},
		{"onFailure: restarts up to the limit", api.RestartOnFailure, 2, 0, 2, ""},
		{"onFailure: restarts past the limit fail", api.RestartOnFailure, 2, 0, 3, "Failed/BackoffLimitExceeded"},
		{"onFailure: failed pods and restarts add up", api.RestartOnFailure, 2, 1, 2, "Failed/BackoffLimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(1)
			j := newJob("fail", 1, 1)
			j.Spec.BackoffLimit = &tt.backoffLimit
			j.Spec.Template.Spec.RestartPolicy = tt.policy
			h.put(j)
			h.settle()
			for range tt.failPods {
				h.finishPods(h.job("fail"), api.PodFailed, 1)
				h.settle()
				h.advance(jobBackoffMax) // past the back-off
				h.settle()
			}
			if tt.restarts > 0 {
				pod := api.DeepCopy(h.activePods(h.job("fail"))[0])
				pod.Status.ContainerStatuses = []api.ContainerStatus{{Name: "main", RestartCount: tt.restarts}}
				h.write(pod, false)
				h.settle()
			}
			j = h.job("fail")
			if got := jobCondition(j); got != tt.want {
				t.Fatalf("got condition %q, want %q", got, tt.want)
			}
			if got, want := j.Status.Failed, int32(tt.failPods); got != want {
				t.Errorf("got status.failed %d, want %d", got, want)
			}
			active := len(h.activePods(j))
			if tt.want != "" && active != 0 {
				t.Errorf("got %d active pods after failing, want 0", active)
			}
			if tt.want == "" && active != 1 {
				t.Errorf("got %d active pods while retrying, want 1", active)
			}
		})
	}
}

func TestJobFailureBackoff(t *testing.T) {
	h := newHarness(t).withNodes(1)
	j := newJob("retry", 1, 1)
	j.Spec.BackoffLimit = ptr(int32(10))
	h.put(j)
	h.settle()
	// The n-th failure (since the last success) waits 10s·2^(n-1), at
	// most 6 minutes, after the pod finished before the next pod.
	wants := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 320 * time.Second, 6 * time.Minute, 6 * time.Minute}
	for n, want := range wants {
		pod := api.DeepCopy(h.activePods(h.job("retry"))[0])
		finished := h.now
		pod.Status.Phase = api.PodFailed
		pod.Status.ContainerStatuses = []api.ContainerStatus{{Name: "main", State: api.ContainerState{
			Terminated: &api.ContainerStateTerminated{ExitCode: 1, FinishedAt: &finished}}}}
		h.write(pod, false)
		h.advance(want - time.Second)
		h.settle()
		if got := len(h.activePods(h.job("retry"))); got != 0 {
			t.Fatalf("failure %d: got %d pods %s after it, want none before %s", n+1, got, want-time.Second, want)
		}
		h.advance(time.Second)
		h.settle()
		if got := len(h.activePods(h.job("retry"))); got != 1 {
			t.Fatalf("failure %d: got %d pods %s after it, want 1", n+1, got, want)
		}
	}
}

func TestJobActiveDeadline(t *testing.T) {
	h := newHarness(t).withNodes(1)
	j := newJob("slow", 1, 1)
	j.Spec.ActiveDeadlineSeconds = ptr(int64(30))
	h.put(j)
	h.settle()
	h.advance(29 * time.Second)
	h.settle()
	if got := jobCondition(h.job("slow")); got != "" {
		t.Fatalf("at 29s: got condition %q, want none", got)
	}
	h.advance(time.Second)
	h.settle()
	j = h.job("slow")
	if got := jobCondition(j); got != "Failed/DeadlineExceeded" {
		t.Errorf("at 30s: got condition %q, want Failed/DeadlineExceeded", got)
	}
	if got := len(h.activePods(j)); got != 0 {
		t.Errorf("got %d active pods past the deadline, want 0", got)
	}
	if j.Status.CompletionTime != nil {
		t.Errorf("got completionTime %v on a failed job, want none", j.Status.CompletionTime)
	}
}

func TestJobTTLAfterFinished(t *testing.T) {
	h := newHarness(t).withNodes(1)
	j := newJob("once", 1, 1)
	j.Spec.TTLSecondsAfterFinished = ptr(int32(100))
	h.put(j)
	h.settle()
	h.finishPods(h.job("once"), api.PodSucceeded, -1)
	h.settle()
	uid := h.job("once").UID
	h.advance(99 * time.Second)
	h.settle()
	if got := len(h.ownedBy("Pod", uid)); got != 1 {
		t.Fatalf("at 99s: got %d pods, want the succeeded one kept", got)
	}
	h.job("once")
	h.advance(time.Second)
	h.settle()
	if _, ok := h.objs[api.Key{Kind: "Job", Namespace: "default", Name: "once"}]; ok {
		t.Errorf("at 100s: job still exists, want it deleted")
	}
	if got := len(h.ownedBy("Pod", uid)); got != 0 {
		t.Errorf("at 100s: got %d pods, want 0", got)
	}
}

func TestJobIndexed(t *testing.T) {
	h := newHarness(t).withNodes(2)
	j := newJob("idx", 3, 2)
	j.Spec.CompletionMode = api.IndexedCompletion
	h.put(j)
	h.settle()
	indexOf := func(pod *api.Pod) string {
		env := ""
		for _, e := range pod.Spec.Containers[0].Env {
			if e.Name == api.EnvJobCompletionIndex {
				env = e.Value
			}
		}
		if a := pod.Annotations[api.AnnotationJobCompletionIndex]; a != env {
			t.Fatalf("pod %s: annotation index %q but %s=%q", pod.Name, a, api.EnvJobCompletionIndex, env)
		}
		return env
	}
	var got []string
	for _, pod := range h.activePods(h.job("idx")) {
		got = append(got, indexOf(pod))
	}
	slices.Sort(got)
	if want := []string{"0", "1"}; !slices.Equal(got, want) {
		t.Fatalf("got indexes %v, want %v", got, want)
	}
	// Index 0 fails and is retried; index 1 succeeds, so index 2 starts.
	for _, pod := range h.activePods(h.job("idx")) {
		cp := api.DeepCopy(pod)
		cp.Status.Phase = map[string]api.PodPhase{"0": api.PodFailed, "1": api.PodSucceeded}[indexOf(pod)]
		h.write(cp, false)
	}
	h.settle()
	h.advance(jobBackoffBase)
	h.settle()
	got = nil
	for _, pod := range h.activePods(h.job("idx")) {
		got = append(got, indexOf(pod))
	}
	slices.Sort(got)
	if want := []string{"0", "2"}; !slices.Equal(got, want) {
		t.Fatalf("after index 1 succeeded and 0 failed: got indexes %v, want %v", got, want)
	}
	if got := h.job("idx").Status.CompletedIndexes; got != "1" {
		t.Errorf("got completedIndexes %q, want \"1\"", got)
	}
	h.finishPods(h.job("idx"), api.PodSucceeded, -1)
	h.settle()
	j = h.job("idx")
	if got := jobCondition(j); got != "Complete/" {
		t.Errorf("got condition %q, want Complete", got)
	}
	if got := j.Status.CompletedIndexes; got != "0-2" {
		t.Errorf("got completedIndexes %q, want \"0-2\"", got)
	}
}

func TestJobSuspend(t *testing.T) {
	h := newHarness(t).withNodes(1)
	j := newJob("later", 2, 2)
	j.Spec.Suspend = ptr(true)
	h.put(j)
	h.settle()
	if got := len(h.podsOf(h.job("later"))); got != 0 {
		t.Fatalf("suspended: got %d pods, want 0", got)
	}
	if st := h.job("later").Status; st.StartTime != nil {
		t.Errorf("suspended: got startTime %v, want none", st.StartTime)
	}
	j = api.DeepCopy(h.job("later"))
	j.Spec.Suspend = ptr(false)
	h.put(j)
	h.settle()
	if got := len(h.activePods(h.job("later"))); got != 2 {
		t.Fatalf("resumed: got %d pods, want 2", got)
	}
	j = api.DeepCopy(h.job("later"))
	j.Spec.Suspend = ptr(true)
	h.put(j)
	h.settle()
	if got := len(h.activePods(h.job("later"))); got != 0 {
		t.Errorf("suspended again: got %d active pods, want 0", got)
	}
	if c := h.job("later").Status.Condition(api.JobSuspended); c == nil || c.Status != api.ConditionTrue {
		t.Errorf("got Suspended condition %v, want True", c)
	}
}

func TestJobPodsOfDeletedJobAreCollected(t *testing.T) {
	h := newHarness(t).withNodes(1)
	h.put(newJob("gone", 2, 2))
	h.settle()
	uid := h.job("gone").UID
	h.del("Job", "default", "gone")
	h.settle()
	if got := len(h.ownedBy("Pod", uid)); got != 0 {
		t.Errorf("got %d pods of a deleted job, want 0", got)
	}
}

func TestFormatIndexes(t *testing.T) {
	tests := []struct {
		name string
		set  []int
		n    int
		want string
	}{
		{"empty", nil, 3, ""},
		{"one", []int{1}, 3, "1"},
		{"run and single", []int{0, 1, 2, 4}, 5, "0-2,4"},
		{"beyond completions ignored", []int{0, 7}, 3, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[int]bool{}
			for _, i := range tt.set {
				set[i] = true
			}
			if got := formatIndexes(set, tt.n); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
