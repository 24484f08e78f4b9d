package controller

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// batchRef returns a controller owner reference to a batch/v1 object.
func batchRef(kind string, m *api.ObjectMeta) api.OwnerReference {
	yes := true
	return api.OwnerReference{APIVersion: "batch/v1", Kind: kind, Name: m.Name, UID: m.UID, Controller: &yes}
}

// markBatch marks CronJobs live, deletes Jobs whose CronJob is gone and
// marks the others live (their pods are then collected in the same pass),
// and indexes Jobs by their CronJob.
func (p *pass) markBatch(mark func(api.Object)) {
	for _, cj := range p.cronJobs {
		mark(cj)
	}
	p.jobsOf = map[string][]*api.Job{}
	live := p.jobs[:0:0]
	for _, j := range p.jobs {
		if p.orphaned(j) {
			p.remove(j)
			continue
		}
		mark(j)
		live = append(live, j)
		if ref := controllerOf(&j.ObjectMeta); ref != nil && ref.Kind == "CronJob" {
			p.jobsOf[ref.UID] = append(p.jobsOf[ref.UID], j)
		}
	}
	p.jobs = live
}

// jobPods sorts a Job's pods by phase.
type jobPods struct {
	active    []*api.Pod // not terminal, not being deleted
	succeeded []*api.Pod
	failed    []*api.Pod
	// restarts sums container restarts of active pods (counted as
	// failures under restartPolicy OnFailure).
	restarts int32
	// doneIndexes holds the indexes of an Indexed job that succeeded;
	// activeIndexes those with an active pod.
	doneIndexes, activeIndexes map[int]bool
}

func (p *pass) jobPods(j *api.Job) jobPods {
	jp := jobPods{doneIndexes: map[int]bool{}, activeIndexes: map[int]bool{}}
	for _, pod := range p.owned[j.UID] {
		idx, hasIdx := completionIndex(pod)
		switch {
		case pod.Status.Phase == api.PodSucceeded:
			jp.succeeded = append(jp.succeeded, pod)
			if hasIdx {
				jp.doneIndexes[idx] = true
			}
		case pod.Status.Phase == api.PodFailed:
			jp.failed = append(jp.failed, pod)
		case pod.DeletionTimestamp == nil:
			jp.active = append(jp.active, pod)
			if hasIdx {
				jp.activeIndexes[idx] = true
			}
			for _, cs := range pod.Status.ContainerStatuses {
				jp.restarts += cs.RestartCount
			}
			for _, cs := range pod.Status.InitContainerStatuses {
				jp.restarts += cs.RestartCount
			}
		}
	}
	return jp
}

// completionIndex reads the pod's completion index annotation.
func completionIndex(pod *api.Pod) (int, bool) {
	v, ok := pod.Annotations[api.AnnotationJobCompletionIndex]
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(v)
	return i, err == nil && i >= 0
}

// syncJob runs a Job's pods: it creates pods up to parallelism until
// completions succeeded (one per index for Indexed jobs), fails the job
// past backoffLimit or activeDeadlineSeconds, stops pods while suspended,
// writes the status, and deletes a finished job with its pods once
// ttlSecondsAfterFinished has passed.
func (p *pass) syncJob(stored *api.Job) {
	if p.deleting(stored) {
		return
	}
	j := api.DeepCopy(stored)
	spec := &j.Spec
	st := &j.Status
	jp := p.jobPods(j)

	if kind, done := st.Finished(); done {
		p.finishedJob(stored, kind, jp)
		return
	}

	if st.StartTime == nil && !ptrTrue(spec.Suspend) {
		st.StartTime = timePtr(p.now)
	}
	completions := int32Or(spec.Completions, 1)
	parallelism := int32Or(spec.Parallelism, 1)
	indexed := spec.CompletionMode == api.IndexedCompletion
	succeeded := int32(len(jp.succeeded))
	if indexed {
		succeeded = 0
		for i := range jp.doneIndexes {
			if i < int(completions) {
				succeeded++
			}
		}
	}
	failures := int32(len(jp.failed))
	if spec.Template.Spec.RestartPolicy == api.RestartOnFailure {
		failures += jp.restarts
	}

	var failReason, failMsg string
	switch {
	case failures > int32Or(spec.BackoffLimit, api.DefaultJobBackoffLimit):
		failReason, failMsg = api.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"
	case spec.ActiveDeadlineSeconds != nil && st.StartTime != nil &&
		!p.now.Before(st.StartTime.Add(time.Duration(*spec.ActiveDeadlineSeconds)*time.Second)):
		failReason, failMsg = api.JobReasonDeadlineExceeded, "Job was active longer than specified deadline"
	}

	active := jp.active
	switch {
	case failReason != "":
		p.stopJobPods(j, active)
		active = nil
		setJobCondition(st, api.JobFailed, api.ConditionTrue, failReason, failMsg, p.now)
		p.batchEvent("Job", &j.ObjectMeta, api.EventWarning, failReason, failMsg, "")
	case succeeded >= completions:
		p.stopJobPods(j, active)
		active = nil
		setJobCondition(st, api.JobComplete, api.ConditionTrue, "", "", p.now)
		st.CompletionTime = timePtr(p.now)
		p.batchEvent("Job", &j.ObjectMeta, api.EventNormal, ReasonCompleted, "Job completed", "")
	case ptrTrue(spec.Suspend):
		p.stopJobPods(j, active)
		active = nil
		if c := st.Condition(api.JobSuspended); c == nil || c.Status != api.ConditionTrue {
			p.batchEvent("Job", &j.ObjectMeta, api.EventNormal, ReasonSuspended, "Job suspended", p.now.Format(time.RFC3339Nano))
		}
		setJobCondition(st, api.JobSuspended, api.ConditionTrue, "JobSuspended", "Job suspended", p.now)
	default:
		if c := st.Condition(api.JobSuspended); c != nil && c.Status == api.ConditionTrue {
			setJobCondition(st, api.JobSuspended, api.ConditionFalse, "JobResumed", "Job resumed", p.now)
			p.batchEvent("Job", &j.ObjectMeta, api.EventNormal, ReasonResumed, "Job resumed", p.now.Format(time.RFC3339Nano))
		}
		want := min(parallelism, completions-succeeded)
		create := p.backoffOver(jp)
		if indexed {
			active = p.syncIndexedPods(j, jp, completions, want, create)
		} else {
			active = p.syncNonIndexedPods(j, jp, want, create)
		}
	}

	st.Active = int32(len(active))
	st.Succeeded = int32(len(jp.succeeded))
	st.Failed = int32(len(jp.failed))
	var ready int32
	for _, pod := range active {
		if p.isReady(pod) {
			ready++
		}
	}
	st.Ready = &ready
	if indexed {
		st.CompletedIndexes = formatIndexes(jp.doneIndexes, int(completions))
	}
	if !sameJSON(stored.Status, j.Status) {
		p.status(j)
	}
}

// syncNonIndexedPods scales the job's active pods to want (creating none
// unless create) and returns the ones that stay (created ones included).
func (p *pass) syncNonIndexedPods(j *api.Job, jp jobPods, want int32, create bool) []*api.Pod {
	active := jp.active
	if n := int32(len(active)); n > want {
		ordered := p.byDeletionPreference(active, 0)
		p.stopJobPods(j, ordered[:n-want])
		return ordered[n-want:]
	}
	if !create {
		return active
	}
	tmpl := encodeTemplate(&j.Spec.Template)
	owner := batchRef("Job", &j.ObjectMeta)
	for i := 0; int32(len(active)) < want; i++ {
		name := generatedName(j.Name, j.UID+"/"+strconv.Itoa(i))
		if !p.nameFree(j.Namespace, name) {
			continue
		}
		pod := jobPod(tmpl, j, name, owner)
		p.create(pod)
		p.batchEvent("Job", &j.ObjectMeta, api.EventNormal, ReasonSuccessfulCreate, "Created pod: "+name, p.now.Format(time.RFC3339Nano))
		active = append(active, pod)
	}
	return active
}

// syncIndexedPods keeps at most one active pod per index, and up to want
// active pods on the lowest indexes that have not succeeded (creating none
// unless create).
func (p *pass) syncIndexedPods(j *api.Job, jp jobPods, completions, want int32, create bool) []*api.Pod {
	var keep, extra []*api.Pod
	seen := map[int]bool{}
	for _, pod := range jp.active {
		i, ok := completionIndex(pod)
		if !ok || i >= int(completions) || seen[i] || jp.doneIndexes[i] {
			extra = append(extra, pod)
			continue
		}
		seen[i] = true
		keep = append(keep, pod)
	}
	if n := int32(len(keep)); n > want {
		slices.SortFunc(keep, func(a, b *api.Pod) int {
			ai, _ := completionIndex(a)
			bi, _ := completionIndex(b)
			return bi - ai // highest indexes go first
		})
		extra = append(extra, keep[:n-want]...)
		keep = keep[n-want:]
	}
	p.stopJobPods(j, extra)
	if !create {
		return keep
	}
	tmpl := encodeTemplate(&j.Spec.Template)
	owner := batchRef("Job", &j.ObjectMeta)
	for idx := 0; idx < int(completions) && int32(len(keep)) < want; idx++ {
		if jp.doneIndexes[idx] || seen[idx] {
			continue
		}
		base := j.Name + "-" + strconv.Itoa(idx)
		for attempt := 0; ; attempt++ {
			name := generatedName(base, j.UID+"/"+strconv.Itoa(idx)+"/"+strconv.Itoa(attempt))
			if !p.nameFree(j.Namespace, name) {
				continue
			}
			pod := jobPod(tmpl, j, name, owner)
			pod.Annotations = withLabel(pod.Annotations, api.AnnotationJobCompletionIndex, strconv.Itoa(idx))
			pod.Labels[api.AnnotationJobCompletionIndex] = strconv.Itoa(idx)
			setEnv(&pod.Spec, api.EnvJobCompletionIndex, strconv.Itoa(idx))
			p.create(pod)
			p.batchEvent("Job", &j.ObjectMeta, api.EventNormal, ReasonSuccessfulCreate, "Created pod: "+name, p.now.Format(time.RFC3339Nano))
			keep = append(keep, pod)
			break
		}
	}
	return keep
}

// jobPod makes a pod of the job, labelled as Kubernetes labels them.
func jobPod(tmpl templateJSON, j *api.Job, name string, owner api.OwnerReference) *api.Pod {
	pod := tmpl.newPod(j.Namespace, name, owner)
	pod.Labels[api.LabelJobName] = j.Name
	pod.Labels["job-name"] = j.Name
	pod.Labels[api.LabelControllerUID] = j.UID
	pod.Labels["controller-uid"] = j.UID
	return pod
}

// setEnv sets a variable in every container, replacing one of that name.
func setEnv(s *api.PodSpec, name, value string) {
	for _, cs := range [][]api.Container{s.InitContainers, s.Containers} {
		for i := range cs {
			cs[i].Env = slices.DeleteFunc(cs[i].Env, func(e api.EnvVar) bool { return e.Name == name })
			cs[i].Env = append(cs[i].Env, api.EnvVar{Name: name, Value: value})
		}
	}
}

// stopJobPods deletes pods of j gracefully, recording each.
func (p *pass) stopJobPods(j *api.Job, pods []*api.Pod) {
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		p.remove(pod)
		p.batchEvent("Job", &j.ObjectMeta, api.EventNormal, ReasonSuccessfulDelete, "Deleted pod: "+pod.Name, pod.UID)
	}
}

// finishedJob stops what still runs of a finished job and, once its
// ttlSecondsAfterFinished has passed, deletes it with its pods.
func (p *pass) finishedJob(j *api.Job, kind api.JobConditionType, jp jobPods) {
	p.stopJobPods(j, jp.active)
	ttl := j.Spec.TTLSecondsAfterFinished
	if ttl == nil {
		return
	}
	finished := jobFinishTime(j, kind)
	if finished == nil || p.now.Before(finished.Add(time.Duration(*ttl)*time.Second)) {
		return
	}
	p.remove(j)
	for _, pod := range p.owned[j.UID] {
		p.remove(pod)
	}
}

// jobFinishTime is when the job completed or failed.
func jobFinishTime(j *api.Job, kind api.JobConditionType) *time.Time {
	if kind == api.JobComplete && j.Status.CompletionTime != nil {
		return j.Status.CompletionTime
	}
	if c := j.Status.Condition(kind); c != nil {
		return c.LastTransitionTime
	}
	return nil
}

// setJobCondition sets the condition of type t, stamping its times when
// it changes.
func setJobCondition(st *api.JobStatus, t api.JobConditionType, status api.ConditionStatus, reason, msg string, now time.Time) {
	c := st.Condition(t)
	if c == nil {
		st.Conditions = append(st.Conditions, api.JobCondition{Type: t})
		c = &st.Conditions[len(st.Conditions)-1]
	}
	if c.Status != status || c.Reason != reason {
		c.LastTransitionTime = timePtr(now)
		c.LastProbeTime = timePtr(now)
	}
	c.Status, c.Reason, c.Message = status, reason, msg
}

// formatIndexes writes the set indexes below n in interval form, "0-2,4".
func formatIndexes(set map[int]bool, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		if !set[i] {
			continue
		}
		end := i
		for end+1 < n && set[end+1] {
			end++
		}
		if out != "" {
			out += ","
		}
		if end == i {
			out += strconv.Itoa(i)
		} else {
			out += fmt.Sprintf("%d-%d", i, end)
		}
		i = end
	}
	return out
}

func ptrTrue(b *bool) bool { return b != nil && *b }

func timePtr(t time.Time) *time.Time { return &t }
