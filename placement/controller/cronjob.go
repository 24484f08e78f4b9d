package controller

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// maxMissedSchedules is Kubernetes' "too many missed start times" bound:
// a CronJob that missed more runs than this since its last one (or, with
// startingDeadlineSeconds, within that window) starts nothing.
const maxMissedSchedules = 100

// syncCronJob creates the CronJob's Jobs on schedule, honours suspend,
// startingDeadlineSeconds and concurrencyPolicy, prunes finished jobs past
// the history limits and writes the status.
func (p *pass) syncCronJob(stored *api.CronJob) {
	cj := api.DeepCopy(stored)
	spec := &cj.Spec
	jobs := p.jobsOf[cj.UID]

	wasActive := map[string]bool{}
	for _, ref := range stored.Status.Active {
		wasActive[ref.UID] = true
	}
	var active, succeeded, failed []*api.Job
	for _, j := range jobs {
		kind, done := j.Status.Finished()
		if done && wasActive[j.UID] {
			p.batchEvent("CronJob", &cj.ObjectMeta, api.EventNormal, ReasonSawCompletedJob,
				"Saw completed job: "+j.Name+", status: "+string(kind), "")
		}
		switch {
		case !done:
			active = append(active, j)
		case kind == api.JobComplete:
			succeeded = append(succeeded, j)
			if t := j.Status.CompletionTime; t != nil && (cj.Status.LastSuccessfulTime == nil || t.After(*cj.Status.LastSuccessfulTime)) {
				cj.Status.LastSuccessfulTime = timePtr(*t)
			}
		default:
			failed = append(failed, j)
		}
	}
	p.pruneJobs(cj, succeeded, int32Or(spec.SuccessfulJobsHistoryLimit, api.DefaultSuccessfulJobsHistoryLimit))
	p.pruneJobs(cj, failed, int32Or(spec.FailedJobsHistoryLimit, api.DefaultFailedJobsHistoryLimit))

	due, ok, missed := p.dueSchedule(cj)
	if missed > maxMissedSchedules && !ptrTrue(spec.Suspend) {
		// Once per stretch of missed runs: it starts where the last run was.
		since := ""
		if cj.Status.LastScheduleTime != nil {
			since = cj.Status.LastScheduleTime.Format(time.RFC3339)
		}
		p.batchEvent("CronJob", &cj.ObjectMeta, api.EventWarning, ReasonTooManyMissedTimes,
			"too many missed start times (more than "+strconv.Itoa(maxMissedSchedules)+"): set or decrease .spec.startingDeadlineSeconds or check clock skew", since)
	}
	if ok && !ptrTrue(spec.Suspend) {
		switch {
		case spec.ConcurrencyPolicy == api.ForbidConcurrent && len(active) > 0:
			// Skipped; retried while the starting deadline allows.
			p.batchEvent("CronJob", &cj.ObjectMeta, api.EventNormal, ReasonJobAlreadyActive,
				"Not starting job because prior execution is running and concurrency policy is Forbid", due.Format(time.RFC3339))
		default:
			if spec.ConcurrencyPolicy == api.ReplaceConcurrent {
				for _, j := range active {
					p.deleteCronJobJob(cj, j)
				}
				active = nil
			}
			j := newCronJobJob(cj, due)
			if p.jobNameFree(j) {
				p.create(j)
				p.batchEvent("CronJob", &cj.ObjectMeta, api.EventNormal, ReasonSuccessfulCreate, "Created job "+j.Name, "")
				active = append(active, j)
			}
			cj.Status.LastScheduleTime = timePtr(due)
		}
	}

	cj.Status.Active = nil
	for _, j := range active {
		cj.Status.Active = append(cj.Status.Active, api.ObjectReference{
			Kind: "Job", Namespace: j.Namespace, Name: j.Name, UID: j.UID,
		})
	}
	slices.SortFunc(cj.Status.Active, func(a, b api.ObjectReference) int { return cmp.Compare(a.Name, b.Name) })
	if !sameJSON(stored.Status, cj.Status) {
		p.status(cj)
	}
}

// dueSchedule returns the most recent scheduled time that has passed and
// not run yet, within startingDeadlineSeconds; false if there is none, or
// if more than maxMissedSchedules were missed (missed then says so).
func (p *pass) dueSchedule(cj *api.CronJob) (due time.Time, ok bool, missed int) {
	sched, err := api.ParseCronSchedule(cj.Spec.Schedule)
	if err != nil {
		return time.Time{}, false, 0 // validated at admission
	}
	zone := ""
	if cj.Spec.TimeZone != nil {
		zone = *cj.Spec.TimeZone
	}
	loc, err := api.LoadCronTimeZone(zone)
	if err != nil {
		return time.Time{}, false, 0
	}
	var earliest time.Time
	switch {
	case cj.Status.LastScheduleTime != nil:
		earliest = *cj.Status.LastScheduleTime
	case cj.CreationTimestamp != nil:
		earliest = *cj.CreationTimestamp
	default:
		return time.Time{}, false, 0
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if w := p.now.Add(-time.Duration(*d) * time.Second); w.After(earliest) {
			earliest = w
		}
	}
	var last time.Time
	for t := sched.Next(earliest.In(loc)); !t.IsZero() && !t.After(p.now); t = sched.Next(t) {
		last = t
		if missed++; missed > maxMissedSchedules {
			return time.Time{}, false, missed
		}
	}
	return last.UTC(), !last.IsZero(), missed
}

// newCronJobJob makes the Job of the run scheduled at t, named as
// Kubernetes names it: CRON-<minutes since the epoch>.
func newCronJobJob(cj *api.CronJob, t time.Time) *api.Job {
	t0 := cj.Spec.JobTemplate
	j := &api.Job{
		TypeMeta: api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: api.ObjectMeta{
			Name:            cj.Name + "-" + strconv.FormatInt(t.Unix()/60, 10),
			Namespace:       cj.Namespace,
			Labels:          t0.Labels,
			Annotations:     withLabel(t0.Annotations, api.AnnotationCronJobScheduledTimestamp, t.Format(time.RFC3339)),
			OwnerReferences: []api.OwnerReference{batchRef("CronJob", &cj.ObjectMeta)},
		},
		Spec: t0.Spec,
	}
	return api.DeepCopy(j)
}

// jobNameFree reports whether no Job has the name yet.
func (p *pass) jobNameFree(j *api.Job) bool {
	for _, o := range p.jobs {
		if o.Namespace == j.Namespace && o.Name == j.Name {
			return false
		}
	}
	return true
}

// pruneJobs deletes the oldest finished jobs of cj beyond limit.
func (p *pass) pruneJobs(cj *api.CronJob, jobs []*api.Job, limit int32) {
	if int32(len(jobs)) <= limit {
		return
	}
	slices.SortFunc(jobs, func(a, b *api.Job) int {
		return cmp.Or(compareTimes(jobStart(a), jobStart(b)), cmp.Compare(a.Name, b.Name))
	})
	for _, j := range jobs[:int32(len(jobs))-limit] {
		p.deleteCronJobJob(cj, j)
	}
}

// deleteCronJobJob deletes a job of cj with its pods and records it.
func (p *pass) deleteCronJobJob(cj *api.CronJob, j *api.Job) {
	p.deleteJob(j)
	p.batchEvent("CronJob", &cj.ObjectMeta, api.EventNormal, ReasonSuccessfulDelete, "Deleted job "+j.Name, j.UID)
}

// deleteJob deletes a job and its pods.
func (p *pass) deleteJob(j *api.Job) {
	p.remove(j)
	for _, pod := range p.owned[j.UID] {
		p.remove(pod)
	}
}

func jobStart(j *api.Job) *time.Time {
	if j.Status.StartTime != nil {
		return j.Status.StartTime
	}
	return j.CreationTimestamp
}
