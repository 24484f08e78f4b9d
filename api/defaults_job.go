package api

// defaultJobSpec fills a job spec's defaults as Kubernetes does:
// parallelism and completions 1, backoffLimit 6, completionMode NonIndexed,
// suspend false, and the pod template's. The template's restartPolicy is
// not defaulted: a Job must say Never or OnFailure.
func defaultJobSpec(s *JobSpec) {
	if s.Parallelism == nil {
		s.Parallelism = ptr(int32(1))
	}
	if s.Completions == nil {
		s.Completions = ptr(int32(1))
	}
	if s.BackoffLimit == nil {
		s.BackoffLimit = ptr(int32(DefaultJobBackoffLimit))
	}
	if s.CompletionMode == "" {
		s.CompletionMode = NonIndexedCompletion
	}
	if s.Suspend == nil {
		s.Suspend = ptr(false)
	}
	policy := s.Template.Spec.RestartPolicy
	defaultPodSpec(&s.Template.Spec)
	s.Template.Spec.RestartPolicy = policy
}

// defaultCronJobSpec fills a CronJob's defaults as Kubernetes does:
// concurrencyPolicy Allow, suspend false, history limits 3 and 1, and the
// job template's.
func defaultCronJobSpec(s *CronJobSpec) {
	if s.ConcurrencyPolicy == "" {
		s.ConcurrencyPolicy = AllowConcurrent
	}
	if s.Suspend == nil {
		s.Suspend = ptr(false)
	}
	if s.SuccessfulJobsHistoryLimit == nil {
		s.SuccessfulJobsHistoryLimit = ptr(int32(DefaultSuccessfulJobsHistoryLimit))
	}
	if s.FailedJobsHistoryLimit == nil {
		s.FailedJobsHistoryLimit = ptr(int32(DefaultFailedJobsHistoryLimit))
	}
	defaultJobSpec(&s.JobTemplate.Spec)
}
