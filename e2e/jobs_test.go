package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

const jobYAML = `apiVersion: batch/v1
kind: Job
metadata: {name: %[1]s}
spec:
  completions: %[2]d
  parallelism: %[3]d
  backoffLimit: %[4]d
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: sh
        image: shoal.local/busybox:1
        command: ["sh", "-c", %[5]q]
`

const cronJobYAML = `apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          terminationGracePeriodSeconds: 1
          containers:
          - name: sh
            image: shoal.local/busybox:1
            command: ["sh", "-c", "echo tick"]
`

// getJob reads a Job, or nil if it does not exist.
func getJob(t *testing.T, a *testcluster.Agent, name string) (*api.Job, error) {
	t.Helper()
	o, err := a.Client().Get(context.Background(), "jobs", "default", name)
	if err != nil {
		return nil, err
	}
	return o.(*api.Job), nil
}

// waitJobCondition waits for the job's Complete or Failed condition.
func waitJobCondition(t *testing.T, a *testcluster.Agent, name string, timeout time.Duration) *api.Job {
	t.Helper()
	var got *api.Job
	testcluster.Eventually(t, timeout, func() error {
		j, err := getJob(t, a, name)
		if err != nil {
			return err
		}
		if _, done := j.Status.Finished(); !done {
			return fmt.Errorf("job %s not finished: active %d succeeded %d failed %d", name, j.Status.Active, j.Status.Succeeded, j.Status.Failed)
		}
		got = j
		return nil
	})
	return got
}

// maxActive watches the pods of job name and reports the most that were
// active (neither finished nor being deleted) at once, when stop is called.
func maxActive(t *testing.T, a *testcluster.Agent, name string) (stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	active := map[string]bool{}
	peak := 0
	done := make(chan struct{})
	started := make(chan struct{})
	go func() {
		defer close(done)
		once := sync.OnceFunc(func() { close(started) })
		defer once()
		err := a.Client().Watch(ctx, "default", []string{"Pod"}, func(ev api.WatchEvent) bool {
			once()
			pod := ev.Object.(*api.Pod)
			if pod.Labels[api.LabelJobName] != name {
				return true
			}
			mu.Lock()
			defer mu.Unlock()
			live := ev.Type != "DELETED" && pod.DeletionTimestamp == nil &&
				pod.Status.Phase != api.PodSucceeded && pod.Status.Phase != api.PodFailed
			if live {
				active[pod.Name] = true
			} else {
				delete(active, pod.Name)
			}
			peak = max(peak, len(active))
			return true
		})
		if err != nil && ctx.Err() == nil {
			t.Errorf("watch pods: %v", err)
		}
	}()
	// The watch is open once the first event (any pod or the initial
	// list) arrives, or shortly after the request is made.
	select {
	case <-started:
	case <-time.After(2 * time.Second):
	}
	return func() int {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

func TestJobsAndCronJobs(t *testing.T) {
	skipShort(t)
	t.Parallel() // mostly waiting (see e2e/doc.go)
	c := podCluster(t, "n1", "n2")
	n1, n2 := c.Agents[0], c.Agents[1]

	t.Run("completions 3 parallelism 2 completes, never more than 2 pods at once", func(t *testing.T) {
		t.Parallel()
		stop := maxActive(t, n2, "work")
		apply(t, n1, []byte(fmt.Sprintf(jobYAML, "work", 3, 2, 6, "sleep 2")))
		j := waitJobCondition(t, n1, "work", 120*time.Second)
		peak := stop()
		if kind, _ := j.Status.Finished(); kind != api.JobComplete {
			t.Fatalf("got condition %s, want Complete (status %+v)", kind, j.Status)
		}
		if j.Status.Succeeded != 3 || j.Status.Failed != 0 {
			t.Errorf("got succeeded %d failed %d, want 3 and 0", j.Status.Succeeded, j.Status.Failed)
		}
		if peak > 2 {
			t.Errorf("got %d active pods at once, want at most parallelism 2", peak)
		}
		if peak < 2 {
			t.Errorf("got at most %d active pods at once, want 2 (parallelism unused)", peak)
		}
		out, stderr, err := n2.CLI("get", "jobs")
		if err != nil || !containsLine(out, "work") || !strings.Contains(out, "Complete") || !strings.Contains(out, "3/3") {
			t.Errorf("get jobs: %v\n%s%s", err, out, stderr)
		}
	})

	t.Run("a failing job stops at backoffLimit", func(t *testing.T) {
		t.Parallel()
		apply(t, n1, []byte(fmt.Sprintf(jobYAML, "fail", 1, 1, 1, "exit 1")))
		j := waitJobCondition(t, n1, "fail", 120*time.Second)
		c := j.Status.Condition(api.JobFailed)
		if c == nil || c.Status != api.ConditionTrue || c.Reason != api.JobReasonBackoffLimitExceeded {
			t.Fatalf("got conditions %+v, want Failed/BackoffLimitExceeded", j.Status.Conditions)
		}
		if j.Status.Failed != 2 || j.Status.Active != 0 {
			t.Errorf("got failed %d active %d, want 2 (backoffLimit 1 + 1) and 0", j.Status.Failed, j.Status.Active)
		}
		// No pod is started after the job failed.
		time.Sleep(3 * time.Second)
		objs, err := n2.Client().List(context.Background(), "pods", "default", api.LabelJobName+"=fail")
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != 2 {
			t.Errorf("got %d pods of the failed job, want its 2 failed ones", len(objs))
		}
	})

	t.Run("a cronjob fires every minute and history limits prune", func(t *testing.T) {
		t.Parallel()
		apply(t, n1, []byte(cronJobYAML))
		// Each run lands on a minute boundary: within 60s, then 60s later.
		var first string
		testcluster.Eventually(t, 150*time.Second, func() error {
			names := cronJobNames(t, n1)
			if len(names) == 0 {
				return fmt.Errorf("no job yet")
			}
			first = names[0]
			return nil
		})
		waitJobCondition(t, n1, first, 60*time.Second)
		testcluster.Eventually(t, 150*time.Second, func() error {
			names := cronJobNames(t, n1)
			if len(names) != 1 || names[0] == first {
				return fmt.Errorf("got jobs %v, want only the second run (the first pruned by successfulJobsHistoryLimit 1)", names)
			}
			j, err := getJob(t, n1, names[0])
			if err != nil {
				return err
			}
			if kind, _ := j.Status.Finished(); kind != api.JobComplete {
				return fmt.Errorf("second run %s not complete", names[0])
			}
			return nil
		})
		o, err := n1.Client().Get(context.Background(), "cronjobs", "default", "tick")
		if err != nil {
			t.Fatal(err)
		}
		cj := o.(*api.CronJob)
		if cj.Status.LastScheduleTime == nil || cj.Status.LastSuccessfulTime == nil {
			t.Errorf("got status %+v, want lastScheduleTime and lastSuccessfulTime", cj.Status)
		}
		out, stderr, err := n2.CLI("get", "cronjobs")
		if err != nil || !containsLine(out, "tick") || !strings.Contains(out, "*/1 * * * *") {
			t.Errorf("get cronjobs: %v\n%s%s", err, out, stderr)
		}
		t.Run("create job --from=cronjob runs it now", func(t *testing.T) {
			if out, stderr, err := n2.CLI("create", "job", "tick-now", "--from=cronjob/tick"); err != nil {
				t.Fatalf("create job: %v\n%s%s", err, out, stderr)
			}
			j := waitJobCondition(t, n1, "tick-now", 60*time.Second)
			if kind, _ := j.Status.Finished(); kind != api.JobComplete {
				t.Errorf("got %s, want Complete", kind)
			}
		})
	})
}

// cronJobNames lists the jobs of CronJob tick, sorted by name (oldest
// first: names end in the scheduled minute).
func cronJobNames(t *testing.T, a *testcluster.Agent) []string {
	t.Helper()
	objs, err := a.Client().List(context.Background(), "jobs", "default", "")
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	var names []string
	for _, o := range objs {
		j := o.(*api.Job)
		if ref := j.OwnerReferences; len(ref) == 1 && ref[0].Kind == "CronJob" && ref[0].Name == "tick" && j.Annotations["cronjob.kubernetes.io/instantiate"] == "" {
			names = append(names, j.Name)
		}
	}
	slices.Sort(names)
	return names
}
