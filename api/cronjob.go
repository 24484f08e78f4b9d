package api

import "time"

func init() {
	register(&Kind{
		Name: "CronJob", APIVersion: "batch/v1", Plural: "cronjobs",
		Aliases: []string{"cronjob", "cj"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &CronJob{} },
	})
}

// CronJob defaults, as Kubernetes'.
const (
	// DefaultSuccessfulJobsHistoryLimit is how many succeeded jobs a
	// CronJob keeps.
	DefaultSuccessfulJobsHistoryLimit = 3
	// DefaultFailedJobsHistoryLimit is how many failed jobs a CronJob keeps.
	DefaultFailedJobsHistoryLimit = 1
)

// AnnotationCronJobScheduledTimestamp is set on a CronJob's jobs to the
// RFC 3339 time they were scheduled for.
const AnnotationCronJobScheduledTimestamp = "batch.kubernetes.io/cronjob-scheduled-timestamp"

// CronJob creates Jobs on a schedule.
type CronJob struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the schedule and the job to run.
	Spec CronJobSpec `json:"spec"`
	// Status is written by the cluster.
	Status CronJobStatus `json:"status,omitzero"`
}

// ConcurrencyPolicy says what a CronJob does when a run is due while an
// earlier one is still active.
type ConcurrencyPolicy string

// Concurrency policies.
const (
	// AllowConcurrent runs the jobs side by side (the default).
	AllowConcurrent ConcurrencyPolicy = "Allow"
	// ForbidConcurrent skips the new run.
	ForbidConcurrent ConcurrencyPolicy = "Forbid"
	// ReplaceConcurrent deletes the running jobs and starts the new one.
	ReplaceConcurrent ConcurrencyPolicy = "Replace"
)

// CronJobSpec is a CronJob's schedule and job.
type CronJobSpec struct {
	// Schedule is a standard 5-field cron line or a macro (@yearly,
	// @annually, @monthly, @weekly, @daily, @midnight, @hourly).
	Schedule string `json:"schedule"`
	// TimeZone is the IANA zone the schedule is read in (default UTC, the
	// leader's zone in Kubernetes terms).
	TimeZone *string `json:"timeZone,omitempty"`
	// StartingDeadlineSeconds is how late a run may start; a run missed by
	// more is skipped.
	StartingDeadlineSeconds *int64 `json:"startingDeadlineSeconds,omitempty"`
	// ConcurrencyPolicy is Allow (default), Forbid or Replace.
	ConcurrencyPolicy ConcurrencyPolicy `json:"concurrencyPolicy,omitempty"`
	// Suspend stops new runs while true (default false).
	Suspend *bool `json:"suspend,omitempty"`
	// JobTemplate is the Job each run creates.
	JobTemplate JobTemplateSpec `json:"jobTemplate"`
	// SuccessfulJobsHistoryLimit is how many completed jobs to keep
	// (default 3).
	SuccessfulJobsHistoryLimit *int32 `json:"successfulJobsHistoryLimit,omitempty"`
	// FailedJobsHistoryLimit is how many failed jobs to keep (default 1).
	FailedJobsHistoryLimit *int32 `json:"failedJobsHistoryLimit,omitempty"`
}

// JobTemplateSpec is the Job a CronJob creates.
type JobTemplateSpec struct {
	// ObjectMeta holds labels and annotations each job gets.
	ObjectMeta `json:"metadata,omitzero"`
	// Spec is each job's spec.
	Spec JobSpec `json:"spec"`
}

// CronJobStatus is the observed state of a CronJob.
type CronJobStatus struct {
	// Active names the CronJob's jobs that have not finished.
	Active []ObjectReference `json:"active,omitempty"`
	// LastScheduleTime is when a job was last scheduled.
	LastScheduleTime *time.Time `json:"lastScheduleTime,omitempty"`
	// LastSuccessfulTime is when a job last completed.
	LastSuccessfulTime *time.Time `json:"lastSuccessfulTime,omitempty"`
}
