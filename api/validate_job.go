package api

import (
	"fmt"
	"strings"
	"time"
	// The zone database is built in, so timeZone validates and schedules
	// the same on every node whatever its /usr/share/zoneinfo holds.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

// maxCronJobNameLength leaves room for the 11-character suffix of the
// jobs a CronJob creates (Kubernetes' limit).
const maxCronJobNameLength = 52

// validateJob checks a Job.
func validateJob(e *errs, j *Job) {
	validateJobSpec(e, "spec", &j.Spec)
}

// validateJobSpec checks a job spec at path p.
func validateJobSpec(e *errs, p string, s *JobSpec) {
	validateNonNegative32(e, child(p, "parallelism"), s.Parallelism)
	validateNonNegative32(e, child(p, "completions"), s.Completions)
	validateNonNegative32(e, child(p, "backoffLimit"), s.BackoffLimit)
	validateNonNegative32(e, child(p, "ttlSecondsAfterFinished"), s.TTLSecondsAfterFinished)
	if d := s.ActiveDeadlineSeconds; d != nil && *d <= 0 {
		e.add(child(p, "activeDeadlineSeconds"), "must be greater than 0, got %d", *d)
	}
	switch s.CompletionMode {
	case "", NonIndexedCompletion:
	case IndexedCompletion:
		if s.Completions != nil && *s.Completions > MaxReplicas {
			e.add(child(p, "completions"), "must be at most %d for an Indexed job, got %d", MaxReplicas, *s.Completions)
		}
	default:
		e.add(child(p, "completionMode"), "unknown mode %s (want NonIndexed or Indexed)", quote(string(s.CompletionMode)))
	}
	if s.Selector != nil {
		validateSelector(e, child(p, "selector"), s.Selector, s.Template.Labels)
	}
	tp := child(p, "template")
	validatePodTemplate(e, tp, &s.Template, podSpecOptions{})
	switch rp := child(tp, "spec.restartPolicy"); s.Template.Spec.RestartPolicy {
	case RestartNever, RestartOnFailure:
	case "":
		e.add(rp, "required in a Job's pod template: Never or OnFailure")
	case RestartAlways:
		e.add(rp, "must be Never or OnFailure in a Job's pod template, got %s", quote(string(RestartAlways)))
	}
}

// validateCronJob checks a CronJob.
func validateCronJob(e *errs, cj *CronJob) {
	if n := len(cj.Name); n > maxCronJobNameLength {
		e.add("metadata.name", "must be at most %d characters for a CronJob, got %d", maxCronJobNameLength, n)
	}
	s := &cj.Spec
	if s.Schedule == "" {
		e.required("spec.schedule")
	} else if _, err := ParseCronSchedule(s.Schedule); err != nil {
		e.add("spec.schedule", "%v", err)
	}
	if s.TimeZone != nil {
		if _, err := LoadCronTimeZone(*s.TimeZone); err != nil {
			e.add("spec.timeZone", "%v", err)
		}
		if strings.Contains(s.Schedule, "TZ=") {
			e.add("spec.schedule", "must not set TZ= or CRON_TZ= when spec.timeZone is set")
		}
	}
	if d := s.StartingDeadlineSeconds; d != nil && *d < 0 {
		e.add("spec.startingDeadlineSeconds", "must be at least 0, got %d", *d)
	}
	switch s.ConcurrencyPolicy {
	case "", AllowConcurrent, ForbidConcurrent, ReplaceConcurrent:
	default:
		e.add("spec.concurrencyPolicy", "unknown policy %s (want Allow, Forbid or Replace)", quote(string(s.ConcurrencyPolicy)))
	}
	validateNonNegative32(e, "spec.successfulJobsHistoryLimit", s.SuccessfulJobsHistoryLimit)
	validateNonNegative32(e, "spec.failedJobsHistoryLimit", s.FailedJobsHistoryLimit)
	validateLabels(e, "spec.jobTemplate.metadata.labels", s.JobTemplate.Labels)
	validateAnnotations(e, "spec.jobTemplate.metadata.annotations", s.JobTemplate.Annotations)
	validateJobSpec(e, "spec.jobTemplate.spec", &s.JobTemplate.Spec)
}

// cronParser reads standard 5-field cron lines and the @ macros, as
// Kubernetes does.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCronSchedule parses a CronJob schedule: five fields (minute hour
// day-of-month month day-of-week) or @yearly, @annually, @monthly,
// @weekly, @daily, @midnight, @hourly.
func ParseCronSchedule(s string) (cron.Schedule, error) {
	if strings.HasPrefix(s, "@every") {
		return nil, fmt.Errorf("%q: @every is not supported by Shoal (nor by Kubernetes)", s)
	}
	sched, err := cronParser.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron schedule: %w", s, err)
	}
	return sched, nil
}

// LoadCronTimeZone returns the IANA zone name; "" is UTC.
func LoadCronTimeZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if name == "Local" || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Paris)", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Paris)", name)
	}
	return loc, nil
}
