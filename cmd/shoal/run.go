package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// runOptions are the flags of `shoal run`.
type runOptions struct {
	name, namespace, image string
	env, labels            []string
	port                   int
	restart                string
	command                bool
	// rest are the words after "--": the container's args, or with
	// command its command.
	rest []string
}

func newRunCmd(g *globals) *cobra.Command {
	var (
		o      runOptions
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "run NAME --image IMAGE [--env K=V] [--port P] [--restart Always|OnFailure|Never] [--command] [-- ARGS...]",
		Short: "Create one bare pod running IMAGE, as kubectl run does",
		Long: `Create one pod named NAME (label run=NAME) with one container running IMAGE.
Words after "--" are the container's args; with --command they are its command.
The pod is placed by the scheduler like any other; nothing recreates it once
deleted (shoal delete pod NAME).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if n := cmd.ArgsLenAtDash(); n > 1 || n == -1 && len(args) > 1 {
				return fmt.Errorf("run takes one NAME, got %q; put the container's args after \"--\"", args)
			}
			o.name, o.rest = args[0], args[1:]
			o.namespace = g.objectNamespace(true)
			pod, err := o.pod()
			if err != nil {
				return err
			}
			body, err := api.EncodeYAML(pod)
			if err != nil {
				return err
			}
			if dryRun {
				_, err := cmd.OutOrStdout().Write(body)
				return err
			}
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				// As kubectl run: never change a pod that exists.
				if _, err := c.Get(ctx, "pods", o.namespace, o.name); err == nil {
					return fmt.Errorf("pod %q already exists in namespace %q", o.name, o.namespace)
				}
				report, err := c.Apply(ctx, body)
				if err != nil {
					return err
				}
				printReport(cmd.OutOrStdout(), report)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.image, "image", "", "the container's image (required)")
	f.StringArrayVar(&o.env, "env", nil, "environment variable K=V (repeatable)")
	f.StringArrayVarP(&o.labels, "labels", "l", nil, "label K=V (repeatable; default run=NAME)")
	f.IntVar(&o.port, "port", 0, "the port the container listens on")
	f.StringVar(&o.restart, "restart", "Always", "restart policy: Always, OnFailure or Never")
	f.BoolVar(&o.command, "command", false, "take the words after \"--\" as the command instead of the args")
	f.BoolVar(&dryRun, "dry-run", false, "print the pod as YAML instead of creating it")
	f.StringVarP(&g.namespace, "namespace", "n", "", "namespace (default \"default\")")
	_ = cmd.MarkFlagRequired("image")
	return cmd
}

// pod builds, defaults and validates the pod o describes.
func (o runOptions) pod() (*api.Pod, error) {
	var errs []error
	c := api.Container{Name: o.name, Image: o.image}
	if o.command {
		c.Command = o.rest
	} else {
		c.Args = o.rest
	}
	if o.command && len(o.rest) == 0 {
		errs = append(errs, errors.New("--command needs the command after \"--\""))
	}
	for _, kv := range o.env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			errs = append(errs, fmt.Errorf("--env %q: want NAME=VALUE", kv))
			continue
		}
		c.Env = append(c.Env, api.EnvVar{Name: k, Value: v})
	}
	if o.port != 0 {
		if o.port < 1 || o.port > 65535 {
			errs = append(errs, fmt.Errorf("--port %d: want 1-65535", o.port))
		} else {
			c.Ports = []api.ContainerPort{{ContainerPort: int32(o.port)}}
		}
	}
	labels := map[string]string{"run": o.name}
	if len(o.labels) > 0 {
		labels = map[string]string{}
	}
	for _, kv := range o.labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			errs = append(errs, fmt.Errorf("--labels %q: want KEY=VALUE", kv))
			continue
		}
		labels[k] = v
	}
	policy := api.RestartPolicy(o.restart)
	switch policy {
	case api.RestartAlways, api.RestartOnFailure, api.RestartNever:
	default:
		errs = append(errs, fmt.Errorf("--restart %s: want Always, OnFailure or Never", strconv.Quote(o.restart)))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	pod := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: o.name, Namespace: o.namespace, Labels: labels},
		Spec:       api.PodSpec{Containers: []api.Container{c}, RestartPolicy: policy},
	}
	api.Default(pod)
	if err := api.Validate(pod); err != nil {
		return nil, fmt.Errorf("pod %q: %w", o.name, err)
	}
	return pod, nil
}
