package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

func jobFor(name string, edit func(*api.Job)) *api.Job {
	three := int32(3)
	j := &api.Job{
		TypeMeta:   api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
		Spec:       api.JobSpec{Completions: &three},
	}
	if edit != nil {
		edit(j)
	}
	return j
}

func TestJobTable(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		job  *api.Job
		want string
	}{
		{
			name: "not started",
			job:  jobFor("pi", nil),
			want: "NAME   STATUS    COMPLETIONS   DURATION   AGE\n" +
				"pi     Running   0/3                      <unknown>\n",
		},
		{
			name: "complete",
			job: jobFor("pi", func(j *api.Job) {
				end := start.Add(75 * time.Second)
				j.Status = api.JobStatus{StartTime: &start, CompletionTime: &end, Succeeded: 3,
					Conditions: []api.JobCondition{{Type: api.JobComplete, Status: api.ConditionTrue}}}
			}),
			want: "NAME   STATUS     COMPLETIONS   DURATION   AGE\n" +
				"pi     Complete   3/3           75s        <unknown>\n",
		},
		{
			name: "failed",
			job: jobFor("bad", func(j *api.Job) {
				j.Status = api.JobStatus{StartTime: &start, Failed: 7,
					Conditions: []api.JobCondition{{Type: api.JobFailed, Status: api.ConditionTrue, Reason: api.JobReasonBackoffLimitExceeded}}}
			}),
			want: "NAME   STATUS   COMPLETIONS   DURATION   AGE\n" +
				"bad    Failed   0/3           ",
		},
		{
			name: "suspended",
			job: jobFor("later", func(j *api.Job) {
				j.Status.Conditions = []api.JobCondition{{Type: api.JobSuspended, Status: api.ConditionTrue}}
			}),
			want: "NAME    STATUS      COMPLETIONS   DURATION   AGE\n" +
				"later   Suspended   0/3                      <unknown>\n",
		},
	}
	kind, _ := api.LookupKind("jobs")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := printTable(&b, kind, []api.Object{tt.job}, false, false); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(b.String(), tt.want) {
				t.Errorf("got\n%s\nwant it to start with\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestCronJobTable(t *testing.T) {
	tz, yes := "Europe/Paris", true
	cj := &api.CronJob{
		TypeMeta:   api.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "hello"},
		Spec:       api.CronJobSpec{Schedule: "*/1 * * * *"},
		Status:     api.CronJobStatus{Active: []api.ObjectReference{{Name: "hello-1"}}},
	}
	other := api.DeepCopy(cj)
	other.Name, other.Spec.Schedule, other.Spec.TimeZone, other.Spec.Suspend = "nightly", "@daily", &tz, &yes
	other.Status.Active = nil
	kind, _ := api.LookupKind("cj")
	var b bytes.Buffer
	if err := printTable(&b, kind, []api.Object{cj, other}, false, false); err != nil {
		t.Fatal(err)
	}
	want := "NAME      SCHEDULE      TIMEZONE       SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n" +
		"hello     */1 * * * *   <none>         False     1        <none>          <unknown>\n" +
		"nightly   @daily        Europe/Paris   True      0        <none>          <unknown>\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("table mismatch (-want +got):\n%s", diff)
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{45 * time.Second, "45s"},
		{119 * time.Second, "119s"},
		{3*time.Minute + 12*time.Second, "3m12s"},
		{5 * time.Minute, "5m"},
		{25 * time.Minute, "25m"},
		{5*time.Hour + 3*time.Minute, "5h3m"},
		{30 * time.Hour, "30h"},
		{76 * time.Hour, "3d4h"},
		{10 * 24 * time.Hour, "10d"},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			if got := humanDuration(tt.d); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseFromCronJob(t *testing.T) {
	tests := []struct {
		from, want, wantErr string
	}{
		{"cronjob/hello", "hello", ""},
		{"cronjobs/hello", "hello", ""},
		{"cj/hello", "hello", ""},
		{"", "", "--from is required"},
		{"hello", "", `--from "hello": want cronjob/NAME`},
		{"cronjob/", "", `want cronjob/NAME`},
		{"deployment/web", "", `only cronjob/NAME is supported, got kind "deployment"`},
	}
	for _, tt := range tests {
		t.Run(tt.from, func(t *testing.T) {
			got, err := parseFromCronJob(tt.from)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got error %v, want %q", err, tt.want)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %q, %v; want an error containing %q", got, err, tt.wantErr)
			case got != tt.want:
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJobFromCronJob(t *testing.T) {
	cj := &api.CronJob{
		ObjectMeta: api.ObjectMeta{Namespace: "ops", Name: "backup", UID: "u1"},
		Spec: api.CronJobSpec{JobTemplate: api.JobTemplateSpec{
			ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "backup"}},
			Spec: api.JobSpec{BackoffLimit: new(int32), Template: api.PodTemplateSpec{Spec: api.PodSpec{
				RestartPolicy: api.RestartNever, Containers: []api.Container{{Name: "b", Image: "busybox"}},
			}}},
		}},
	}
	j := jobFromCronJob(cj, "backup-now")
	objs, err := api.Decode(mustEncode(t, j))
	if err != nil {
		t.Fatalf("the job does not decode: %v", err)
	}
	got := objs[0].(*api.Job)
	if got.Name != "backup-now" || got.Namespace != "ops" || got.Labels["app"] != "backup" ||
		got.Annotations["cronjob.kubernetes.io/instantiate"] != "manual" || *got.Spec.BackoffLimit != 0 {
		t.Errorf("got job %s/%s labels %v annotations %v backoffLimit %d", got.Namespace, got.Name, got.Labels, got.Annotations, *got.Spec.BackoffLimit)
	}
	if refs := got.OwnerReferences; len(refs) != 1 || refs[0].Kind != "CronJob" || refs[0].UID != "u1" {
		t.Errorf("got ownerReferences %v, want the CronJob", refs)
	}
}

func mustEncode(t *testing.T, o api.Object) []byte {
	t.Helper()
	b, err := api.Encode(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
