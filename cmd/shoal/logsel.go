package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
)

// logPods resolves the pods `logs` reads: POD, TYPE/NAME (a pod, or one pod
// of a workload, as kubectl picks), or with -l every pod the selector
// matches, sorted by name.
func logPods(ctx context.Context, c *client.Client, ns string, args []string, selector string) ([]string, error) {
	switch {
	case selector != "" && len(args) > 0:
		return nil, fmt.Errorf("give a pod or -l SELECTOR, not both")
	case selector != "":
		pods, err := listPods(ctx, c, ns, selector)
		if err != nil {
			return nil, err
		}
		if len(pods) == 0 {
			return nil, fmt.Errorf("no pods in namespace %s match -l %s", ns, selector)
		}
		names := make([]string, len(pods))
		for i, p := range pods {
			names[i] = p.Name
		}
		return names, nil
	case len(args) != 1:
		return nil, fmt.Errorf("want: shoal logs POD|TYPE/NAME or shoal logs -l SELECTOR")
	}
	kindName, name, ok := strings.Cut(args[0], "/")
	if !ok {
		return []string{args[0]}, nil
	}
	kind, err := lookupKind(kindName)
	if err != nil {
		return nil, err
	}
	if kind.Name == "Pod" {
		return []string{name}, nil
	}
	obj, err := c.Get(ctx, kind.Plural, ns, name)
	if err != nil {
		return nil, err
	}
	sel, err := podSelectorOf(obj)
	if err != nil {
		return nil, err
	}
	pods, err := listPods(ctx, c, ns, sel.String())
	if err != nil {
		return nil, err
	}
	p := pickPod(pods)
	if p == nil {
		return nil, fmt.Errorf("%s/%s has no pods", strings.ToLower(kind.Name), name)
	}
	return []string{p.Name}, nil
}

// listPods lists the pods of ns matching selector, sorted by name.
func listPods(ctx context.Context, c *client.Client, ns, selector string) ([]*api.Pod, error) {
	objs, err := c.List(ctx, "pods", ns, selector)
	if err != nil {
		return nil, err
	}
	pods := make([]*api.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*api.Pod); ok {
			pods = append(pods, p)
		}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods, nil
}

// podSelectorOf reads the pod selector (spec.selector) of a workload of any
// kind that has one (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job...).
func podSelectorOf(obj api.Object) (*api.LabelSelector, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("read selector: %w", err)
	}
	var v struct {
		Kind string `json:"kind"`
		Spec struct {
			Selector *api.LabelSelector `json:"selector"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("read selector: %w", err)
	}
	if v.Spec.Selector == nil || v.Spec.Selector.IsEmpty() {
		return nil, fmt.Errorf("a %s has no pod selector: name a pod, or a Deployment, StatefulSet, DaemonSet or ReplicaSet", v.Kind)
	}
	return v.Spec.Selector, nil
}

// pickPod chooses the pod whose logs `logs TYPE/NAME` shows, as kubectl
// does: a running, ready pod first, then a running one, then the oldest
// name-first; nil if there is none.
func pickPod(pods []*api.Pod) *api.Pod {
	rank := func(p *api.Pod) int {
		switch {
		case p.DeletionTimestamp != nil:
			return 3
		case p.Status.Phase == api.PodRunning && isPodReady(p):
			return 0
		case p.Status.Phase == api.PodRunning:
			return 1
		}
		return 2
	}
	var best *api.Pod
	for _, p := range pods {
		if best == nil || rank(p) < rank(best) {
			best = p
		}
	}
	return best
}

func isPodReady(p *api.Pod) bool {
	c := p.Status.Condition(api.PodReady)
	return c != nil && c.Status == api.ConditionTrue
}

// lineWriter writes whole lines to out, each with prefix in front, so the
// output of several pods streamed at once does not mix within a line.
// Flush writes a last line that has no newline.
type lineWriter struct {
	mu     *sync.Mutex
	out    io.Writer
	prefix string
	buf    []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := l.emit(l.buf[:i+1]); err != nil {
			return 0, err
		}
		l.buf = l.buf[i+1:]
	}
}

// Flush writes what is left of a last line without a newline.
func (l *lineWriter) Flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	err := l.emit(append(l.buf, '\n'))
	l.buf = nil
	return err
}

func (l *lineWriter) emit(line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := io.WriteString(l.out, l.prefix); err != nil {
		return err
	}
	_, err := l.out.Write(line)
	return err
}
