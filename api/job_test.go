package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const jobManifest = `apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: pi, image: perl}
`

const cronJobManifest = `apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - {name: hello, image: busybox}
`

func decodeOne(t *testing.T, manifest string) Object {
	t.Helper()
	objs, err := Decode([]byte(manifest))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(objs) != 1 {
		t.Fatalf("Decode = %d objects, want 1", len(objs))
	}
	return objs[0]
}

func TestDecodeJobDefaults(t *testing.T) {
	j := decodeOne(t, jobManifest).(*Job)
	cj := decodeOne(t, cronJobManifest).(*CronJob)
	tests := []struct {
		name      string
		got, want any
	}{
		{"namespace", j.Namespace, "default"},
		{"parallelism", *j.Spec.Parallelism, int32(1)},
		{"completions", *j.Spec.Completions, int32(1)},
		{"backoffLimit", *j.Spec.BackoffLimit, int32(6)},
		{"completionMode", j.Spec.CompletionMode, NonIndexedCompletion},
		{"suspend", *j.Spec.Suspend, false},
		{"restartPolicy kept", j.Spec.Template.Spec.RestartPolicy, RestartNever},
		{"template grace defaulted", *j.Spec.Template.Spec.TerminationGracePeriodSeconds, int64(30)},
		{"no deadline", j.Spec.ActiveDeadlineSeconds == nil, true},
		{"no ttl", j.Spec.TTLSecondsAfterFinished == nil, true},
		{"cron schedule", cj.Spec.Schedule, "*/1 * * * *"},
		{"concurrencyPolicy", cj.Spec.ConcurrencyPolicy, AllowConcurrent},
		{"cron suspend", *cj.Spec.Suspend, false},
		{"successfulJobsHistoryLimit", *cj.Spec.SuccessfulJobsHistoryLimit, int32(3)},
		{"failedJobsHistoryLimit", *cj.Spec.FailedJobsHistoryLimit, int32(1)},
		{"job template backoffLimit", *cj.Spec.JobTemplate.Spec.BackoffLimit, int32(6)},
		{"job template restartPolicy", cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy, RestartOnFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeJobFields(t *testing.T) {
	j := decodeOne(t, `apiVersion: batch/v1
kind: Job
metadata: {name: work}
spec:
  completions: 5
  parallelism: 2
  backoffLimit: 0
  activeDeadlineSeconds: 60
  ttlSecondsAfterFinished: 100
  completionMode: Indexed
  suspend: true
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: w, image: busybox}]
`).(*Job)
	cj := decodeOne(t, `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "@daily"
  timeZone: Europe/Paris
  startingDeadlineSeconds: 200
  concurrencyPolicy: Forbid
  suspend: true
  successfulJobsHistoryLimit: 0
  failedJobsHistoryLimit: 5
  jobTemplate:
    metadata: {labels: {team: a}}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: w, image: busybox}]
`).(*CronJob)
	tests := []struct {
		name      string
		got, want any
	}{
		{"completions", *j.Spec.Completions, int32(5)},
		{"parallelism", *j.Spec.Parallelism, int32(2)},
		{"backoffLimit zero kept", *j.Spec.BackoffLimit, int32(0)},
		{"activeDeadlineSeconds", *j.Spec.ActiveDeadlineSeconds, int64(60)},
		{"ttlSecondsAfterFinished", *j.Spec.TTLSecondsAfterFinished, int32(100)},
		{"completionMode", j.Spec.CompletionMode, IndexedCompletion},
		{"suspend", *j.Spec.Suspend, true},
		{"schedule macro", cj.Spec.Schedule, "@daily"},
		{"timeZone", *cj.Spec.TimeZone, "Europe/Paris"},
		{"startingDeadlineSeconds", *cj.Spec.StartingDeadlineSeconds, int64(200)},
		{"concurrencyPolicy", cj.Spec.ConcurrencyPolicy, ForbidConcurrent},
		{"cron suspend", *cj.Spec.Suspend, true},
		{"successful limit zero kept", *cj.Spec.SuccessfulJobsHistoryLimit, int32(0)},
		{"failed limit", *cj.Spec.FailedJobsHistoryLimit, int32(5)},
		{"job template labels", cj.Spec.JobTemplate.Labels["team"], "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateJob(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		old, new string // replace old by new in the manifest
		want     string // "" means valid
	}{
		{"valid job", jobManifest, "", "", ""},
		{"valid cronjob", cronJobManifest, "", "", ""},
		{"restartPolicy Always", jobManifest, "Never", "Always", `spec.template.spec.restartPolicy: must be Never or OnFailure in a Job's pod template, got "Always"`},
		{"restartPolicy missing", jobManifest, "restartPolicy: Never", "hostname: x", "spec.template.spec.restartPolicy: required in a Job's pod template: Never or OnFailure"},
		{"negative completions", jobManifest, "spec:\n  template", "spec:\n  completions: -1\n  template", "spec.completions: must be at least 0, got -1"},
		{"negative parallelism", jobManifest, "spec:\n  template", "spec:\n  parallelism: -2\n  template", "spec.parallelism: must be at least 0, got -2"},
		{"negative backoffLimit", jobManifest, "spec:\n  template", "spec:\n  backoffLimit: -1\n  template", "spec.backoffLimit: must be at least 0, got -1"},
		{"zero activeDeadlineSeconds", jobManifest, "spec:\n  template", "spec:\n  activeDeadlineSeconds: 0\n  template", "spec.activeDeadlineSeconds: must be greater than 0, got 0"},
		{"negative ttl", jobManifest, "spec:\n  template", "spec:\n  ttlSecondsAfterFinished: -5\n  template", "spec.ttlSecondsAfterFinished: must be at least 0, got -5"},
		{"unknown completionMode", jobManifest, "spec:\n  template", "spec:\n  completionMode: Random\n  template", `spec.completionMode: unknown mode "Random" (want NonIndexed or Indexed)`},
		{"selector not matching", jobManifest, "spec:\n  template", "spec:\n  selector: {matchLabels: {a: b}}\n  template", "spec.selector: does not match template labels"},
		{"no containers", jobManifest, "containers:\n      - {name: pi, image: perl}", "containers: []", "spec.template.spec.containers: required"},
		{"bad schedule", cronJobManifest, `"*/1 * * * *"`, `"61 * * * *"`, `spec.schedule: "61 * * * *" is not a cron schedule`},
		{"six fields", cronJobManifest, `"*/1 * * * *"`, `"0 */1 * * * *"`, `spec.schedule: "0 */1 * * * *" is not a cron schedule`},
		{"every", cronJobManifest, `"*/1 * * * *"`, `"@every 1m"`, "@every is not supported by Shoal"},
		{"hourly macro", cronJobManifest, `"*/1 * * * *"`, `"@hourly"`, ""},
		{"no schedule", cronJobManifest, `schedule: "*/1 * * * *"`, `suspend: false`, "spec.schedule: required"},
		{"valid time zone", cronJobManifest, "spec:\n  schedule", "spec:\n  timeZone: America/New_York\n  schedule", ""},
		{"unknown time zone", cronJobManifest, "spec:\n  schedule", "spec:\n  timeZone: Mars/Olympus\n  schedule", `spec.timeZone: unknown time zone "Mars/Olympus"`},
		{"TZ with timeZone", cronJobManifest, `schedule: "*/1 * * * *"`, "timeZone: UTC\n  schedule: \"CRON_TZ=UTC */1 * * * *\"", "spec.schedule: must not set TZ= or CRON_TZ="},
		{"unknown concurrencyPolicy", cronJobManifest, "spec:\n  schedule", "spec:\n  concurrencyPolicy: Sometimes\n  schedule", `spec.concurrencyPolicy: unknown policy "Sometimes" (want Allow, Forbid or Replace)`},
		{"negative startingDeadlineSeconds", cronJobManifest, "spec:\n  schedule", "spec:\n  startingDeadlineSeconds: -1\n  schedule", "spec.startingDeadlineSeconds: must be at least 0, got -1"},
		{"negative history", cronJobManifest, "spec:\n  schedule", "spec:\n  successfulJobsHistoryLimit: -1\n  schedule", "spec.successfulJobsHistoryLimit: must be at least 0, got -1"},
		{"negative failed history", cronJobManifest, "spec:\n  schedule", "spec:\n  failedJobsHistoryLimit: -1\n  schedule", "spec.failedJobsHistoryLimit: must be at least 0, got -1"},
		{"cron job template Always", cronJobManifest, "OnFailure", "Always", `spec.jobTemplate.spec.template.spec.restartPolicy: must be Never or OnFailure`},
		{"podFailurePolicy refused", jobManifest, "spec:\n  template", "spec:\n  podFailurePolicy: {rules: []}\n  template", "spec.podFailurePolicy: not supported by Shoal"},
		{"backoffLimitPerIndex refused", jobManifest, "spec:\n  template", "spec:\n  backoffLimitPerIndex: 1\n  template", "spec.backoffLimitPerIndex: not supported by Shoal"},
		{"manualSelector refused", jobManifest, "spec:\n  template", "spec:\n  manualSelector: true\n  template", "spec.manualSelector: not supported by Shoal"},
		{"cron name too long", cronJobManifest, "name: hello", "name: " + strings.Repeat("a", 53), "metadata.name: must be at most 52 characters for a CronJob, got 53"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.manifest
			if tt.old != "" {
				if !strings.Contains(m, tt.old) {
					t.Fatalf("manifest has no %q", tt.old)
				}
				m = strings.Replace(m, tt.old, tt.new, 1)
			}
			_, err := Decode([]byte(m))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.want != "" && err == nil:
				t.Errorf("got no error, want one containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
