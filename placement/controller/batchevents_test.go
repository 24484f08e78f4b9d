package controller

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// eventsAbout lists the Events about the object kind/name as "Type
// Reason: Message", sorted.
func (h *harness) eventsAbout(kind, name string) []string {
	var out []string
	for _, k := range h.keys() {
		if e, ok := h.objs[k].(*api.Event); ok && e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name {
			out = append(out, e.Type+" "+e.Reason+": "+e.Message)
		}
	}
	slices.Sort(out)
	return out
}

// reasons counts the Events of each reason in evs.
func reasons(evs []string) map[string]int {
	n := map[string]int{}
	for _, e := range evs {
		r, _, _ := strings.Cut(strings.SplitN(e, " ", 2)[1], ":")
		n[r]++
	}
	return n
}

func TestJobEvents(t *testing.T) {
	tests := []struct {
		name string
		run  func(h *harness)
		want []string
	}{
		{"completed", func(h *harness) {
			h.put(newJob("work", 2, 2))
			h.settle()
			h.finishPods(h.job("work"), api.PodSucceeded, -1)
			h.settle()
		}, []string{
			"Normal Completed: Job completed",
			"Normal SuccessfulCreate: Created pod: POD",
			"Normal SuccessfulCreate: Created pod: POD",
		}},
		{"backoff limit exceeded", func(h *harness) {
			j := newJob("fail", 1, 1)
			j.Spec.BackoffLimit = ptr(int32(0))
			h.put(j)
			h.settle()
			h.finishPods(h.job("fail"), api.PodFailed, 1)
			h.settle()
		}, []string{
			"Normal SuccessfulCreate: Created pod: POD",
			"Warning BackoffLimitExceeded: Job has reached the specified backoff limit",
		}},
		{"deadline exceeded", func(h *harness) {
			j := newJob("slow", 1, 1)
			j.Spec.ActiveDeadlineSeconds = ptr(int64(60))
			h.put(j)
			h.settle()
			h.advance(time.Minute)
			h.settle()
		}, []string{
			"Normal SuccessfulCreate: Created pod: POD",
			"Normal SuccessfulDelete: Deleted pod: POD",
			"Warning DeadlineExceeded: Job was active longer than specified deadline",
		}},
		{"suspended and resumed", func(h *harness) {
			j := newJob("pause", 1, 1)
			h.put(j)
			h.settle()
			j = api.DeepCopy(h.job("pause"))
			j.Spec.Suspend = ptr(true)
			h.put(j)
			h.settle()
			h.advance(time.Second)
			j = api.DeepCopy(h.job("pause"))
			j.Spec.Suspend = ptr(false)
			h.put(j)
			h.settle()
		}, []string{
			"Normal Resumed: Job resumed",
			"Normal SuccessfulCreate: Created pod: POD",
			"Normal SuccessfulCreate: Created pod: POD",
			"Normal SuccessfulDelete: Deleted pod: POD",
			"Normal Suspended: Job suspended",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(2)
			tt.run(h)
			var j *api.Job
			for _, o := range h.objs {
				if jj, ok := o.(*api.Job); ok {
					j = jj
				}
			}
			got := h.eventsAbout("Job", j.Name)
			for i, e := range got {
				for _, verb := range []string{"Created pod: ", "Deleted pod: "} {
					if before, _, ok := strings.Cut(e, verb); ok {
						got[i] = before + verb + "POD"
					}
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got events\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			// Another pass records nothing again.
			if ch := h.step(); !ch.Empty() {
				t.Errorf("a pass after settling changed %d objects", len(ch.Creates)+len(ch.Updates)+len(ch.Statuses)+len(ch.Deletes))
			}
		})
	}
}

// TestJobEventOnceWhenStatusWriteFails checks that a pass which decides
// a transition again, because the status write of the first failed,
// finds the Event already recorded and creates no second one.
func TestJobEventOnceWhenStatusWriteFails(t *testing.T) {
	h := newHarness(t).withNodes(1)
	h.put(newJob("work", 1, 1))
	h.settle()
	before := api.DeepCopy(h.job("work"))
	h.finishPods(h.job("work"), api.PodSucceeded, -1)
	h.settle()
	if got := reasons(h.eventsAbout("Job", "work"))[ReasonCompleted]; got != 1 {
		t.Fatalf("got %d Completed events, want 1", got)
	}
	// The status write is lost: the job is not complete in the store.
	lost := api.DeepCopy(h.job("work"))
	lost.Status = before.Status
	h.write(lost, false)
	ch := h.reconcile()
	for _, o := range ch.Creates {
		if e, ok := o.(*api.Event); ok {
			t.Errorf("the pass created Event %s %q again", e.Reason, e.Message)
		}
	}
	if len(ch.Statuses) == 0 {
		t.Errorf("the pass wrote no status, want the job completed again")
	}
}

func TestCronJobEvents(t *testing.T) {
	h := newHarness(t).withNodes(1)
	cj := newCronJob("tick", "*/1 * * * *")
	cj.Spec.SuccessfulJobsHistoryLimit = ptr(int32(1))
	h.put(cj)
	first := runName("tick", t0.Add(time.Minute))
	second := runName("tick", t0.Add(2*time.Minute))
	h.at(time.Minute)
	h.finishPods(h.job(first), api.PodSucceeded, -1)
	h.settle()
	h.at(2 * time.Minute)
	h.finishPods(h.job(second), api.PodSucceeded, -1)
	h.settle()
	want := []string{
		"Normal SawCompletedJob: Saw completed job: " + first + ", status: Complete",
		"Normal SawCompletedJob: Saw completed job: " + second + ", status: Complete",
		"Normal SuccessfulCreate: Created job " + first,
		"Normal SuccessfulCreate: Created job " + second,
		"Normal SuccessfulDelete: Deleted job " + first,
	}
	if got := h.eventsAbout("CronJob", "tick"); !slices.Equal(got, want) {
		t.Errorf("got events\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	t.Run("forbid skips a run once per schedule time", func(t *testing.T) {
		h := newHarness(t).withNodes(1)
		cj := newCronJob("busy", "*/1 * * * *")
		cj.Spec.ConcurrencyPolicy = api.ForbidConcurrent
		h.put(cj)
		h.at(time.Minute)
		h.at(2 * time.Minute)
		h.at(2*time.Minute + 30*time.Second)
		h.at(3 * time.Minute)
		if got := reasons(h.eventsAbout("CronJob", "busy"))[ReasonJobAlreadyActive]; got != 2 {
			t.Errorf("got %d JobAlreadyActive events, want 2 (minutes 2 and 3)", got)
		}
	})
}

func TestCronJobTooManyMissedTimes(t *testing.T) {
	h := newHarness(t).withNodes(1)
	h.put(newCronJob("late", "*/1 * * * *"))
	h.at(2 * time.Hour) // 120 runs missed: the leader was away
	if got := h.cronJobs("late"); len(got) != 0 {
		t.Errorf("got jobs %v, want none after more than 100 missed runs", got)
	}
	want := []string{"Warning TooManyMissedTimes: too many missed start times (more than 100): set or decrease .spec.startingDeadlineSeconds or check clock skew"}
	if got := h.eventsAbout("CronJob", "late"); !slices.Equal(got, want) {
		t.Errorf("got events %v, want %v", got, want)
	}
	h.at(2*time.Hour + time.Minute)
	if got := len(h.eventsAbout("CronJob", "late")); got != 1 {
		t.Errorf("got %d events a minute later, want the one warning", got)
	}
}

func TestBatchEventsExpire(t *testing.T) {
	h := newHarness(t).withNodes(1)
	h.put(newJob("old", 1, 1))
	h.put(newJob("gone", 1, 1))
	h.settle()
	if len(h.eventsAbout("Job", "old")) == 0 || len(h.eventsAbout("Job", "gone")) == 0 {
		t.Fatal("got no events to expire")
	}
	h.del("Job", "default", "gone")
	h.settle()
	if got := h.eventsAbout("Job", "gone"); len(got) != 0 {
		t.Errorf("events about a deleted job: got %v, want none", got)
	}
	h.advance(BatchEventTTL - time.Second)
	h.settle()
	if got := h.eventsAbout("Job", "old"); len(got) == 0 {
		t.Errorf("got no events before the TTL, want them kept")
	}
	h.advance(2 * time.Second)
	h.settle()
	if got := h.eventsAbout("Job", "old"); len(got) != 0 {
		t.Errorf("got events %v past the TTL, want none", got)
	}
}
