package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// Jobs and CronJobs print kubectl's columns: NAME STATUS COMPLETIONS
// DURATION AGE, and NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE
// AGE (no STATUS).

// jobStatus is kubectl's STATUS of a job: Complete, Failed, Suspended or
// Running.
func jobStatus(j *api.Job) string {
	if kind, done := j.Status.Finished(); done {
		return string(kind)
	}
	if c := j.Status.Condition(api.JobSuspended); c != nil && c.Status == api.ConditionTrue {
		return "Suspended"
	}
	return "Running"
}

func jobColumns(now func() time.Time) []column {
	job := func(o api.Object) *api.Job { return o.(*api.Job) }
	return []column{
		{header: "COMPLETIONS", cell: func(o api.Object) string {
			j := job(o)
			return fmt.Sprintf("%d/%d", j.Status.Succeeded, replicas(j.Spec.Completions))
		}},
		{header: "DURATION", cell: func(o api.Object) string { return jobDuration(job(o), now()) }},
	}
}

// jobDuration is how long the job ran: from its start to its completion,
// or to now while it runs; empty before it starts.
func jobDuration(j *api.Job, now time.Time) string {
	start := j.Status.StartTime
	if start == nil {
		return ""
	}
	end := now
	if c := j.Status.CompletionTime; c != nil {
		end = *c
	}
	return humanDuration(end.Sub(*start))
}

// humanDuration formats d as kubectl does: 45s, 3m12s, 25m, 5h3m, 3d4h.
func humanDuration(d time.Duration) string {
	s := int64(d.Seconds())
	switch {
	case s < 0:
		return "0s"
	case s < 120:
		return fmt.Sprintf("%ds", s)
	case s < 10*60:
		if s%60 == 0 {
			return fmt.Sprintf("%dm", s/60)
		}
		return fmt.Sprintf("%dm%ds", s/60, s%60)
	case s < 3*3600:
		return fmt.Sprintf("%dm", s/60)
	case s < 8*3600:
		if m := (s / 60) % 60; m != 0 {
			return fmt.Sprintf("%dh%dm", s/3600, m)
		}
		return fmt.Sprintf("%dh", s/3600)
	case s < 48*3600:
		return fmt.Sprintf("%dh", s/3600)
	case s < 8*24*3600:
		if h := (s / 3600) % 24; h != 0 {
			return fmt.Sprintf("%dd%dh", s/86400, h)
		}
		return fmt.Sprintf("%dd", s/86400)
	}
	return fmt.Sprintf("%dd", s/86400)
}

func cronJobColumns() []column {
	cron := func(o api.Object) *api.CronJob { return o.(*api.CronJob) }
	return []column{
		{header: "SCHEDULE", cell: func(o api.Object) string { return cron(o).Spec.Schedule }},
		{header: "TIMEZONE", cell: func(o api.Object) string {
			if tz := cron(o).Spec.TimeZone; tz != nil {
				return *tz
			}
			return "<none>"
		}},
		{header: "SUSPEND", cell: func(o api.Object) string {
			if s := cron(o).Spec.Suspend; s != nil && *s {
				return "True"
			}
			return "False"
		}},
		{header: "ACTIVE", cell: func(o api.Object) string { return strconv.Itoa(len(cron(o).Status.Active)) }},
		{header: "LAST SCHEDULE", cell: func(o api.Object) string {
			if t := cron(o).Status.LastScheduleTime; t != nil {
				return age(t)
			}
			return "<none>"
		}},
	}
}

// newCreateCmd is `shoal create job NAME --from=cronjob/CRON`.
func newCreateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "create", Short: "Create an object from another"}
	var from string
	job := &cobra.Command{
		Use:   "job NAME --from=cronjob/CRON",
		Short: "Run a CronJob's job now, as a Job named NAME",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cronName, err := parseFromCronJob(from)
			if err != nil {
				return err
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				ns := g.objectNamespace(true)
				obj, err := c.Get(ctx, "cronjobs", ns, cronName)
				if err != nil {
					return fmt.Errorf("get cronjob %s: %w", cronName, err)
				}
				cj, ok := obj.(*api.CronJob)
				if !ok {
					return fmt.Errorf("get cronjob %s: got a %T", cronName, obj)
				}
				manifest, err := api.Encode(jobFromCronJob(cj, args[0]))
				if err != nil {
					return fmt.Errorf("encode job: %w", err)
				}
				report, err := c.Apply(ctx, manifest)
				if err != nil {
					return err
				}
				printReport(cmd.OutOrStdout(), report)
				return nil
			})
		},
	}
	job.Flags().StringVar(&from, "from", "", "the CronJob to copy: cronjob/NAME")
	addNamespaceFlags(job, g)
	cmd.AddCommand(job)
	return cmd
}

// parseFromCronJob reads --from=cronjob/NAME (cronjobs/ and cj/ too).
func parseFromCronJob(from string) (string, error) {
	kind, name, ok := strings.Cut(from, "/")
	if from == "" {
		return "", fmt.Errorf("--from is required: --from=cronjob/NAME")
	}
	if !ok || name == "" {
		return "", fmt.Errorf("--from %q: want cronjob/NAME", from)
	}
	switch kind {
	case "cronjob", "cronjobs", "cj":
		return name, nil
	}
	return "", fmt.Errorf("--from %q: only cronjob/NAME is supported, got kind %q", from, kind)
}

// jobFromCronJob is the Job kubectl's `create job --from=cronjob/` makes:
// the CronJob's job template, annotated as a manual run and owned by the
// CronJob.
func jobFromCronJob(cj *api.CronJob, name string) *api.Job {
	yes := true
	annotations := map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}
	for k, v := range cj.Spec.JobTemplate.Annotations {
		annotations[k] = v
	}
	return &api.Job{
		TypeMeta: api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: api.ObjectMeta{
			Name:        name,
			Namespace:   cj.Namespace,
			Labels:      cj.Spec.JobTemplate.Labels,
			Annotations: annotations,
			OwnerReferences: []api.OwnerReference{{
				APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: &yes,
			}},
		},
		Spec: cj.Spec.JobTemplate.Spec,
	}
}
