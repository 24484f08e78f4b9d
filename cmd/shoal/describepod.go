package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// describeTime is how describe prints a point in time, as kubectl does.
const describeTime = time.RFC1123Z

// describePod prints a pod as kubectl does: where and since when it runs,
// its labels and status, its controller, each container's image, state,
// readiness and restarts, the pod's conditions and volumes. now is the
// time ages are counted to.
func describePod(w io.Writer, p *api.Pod, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", p.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", p.Namespace)
	node := orNone(p.Spec.NodeName)
	if p.Status.HostIP != "" {
		node += "/" + p.Status.HostIP
	}
	fmt.Fprintf(tw, "Node:\t%s\n", node)
	start := "<unknown>"
	if p.Status.StartTime != nil {
		start = p.Status.StartTime.Format(describeTime)
	}
	fmt.Fprintf(tw, "Start Time:\t%s\n", start)
	writeMap(tw, "Labels:", p.Labels)
	writeMap(tw, "Annotations:", p.Annotations)
	fmt.Fprintf(tw, "Status:\t%s\n", podDescribeStatus(p, now))
	if p.Status.Reason != "" {
		fmt.Fprintf(tw, "Reason:\t%s\n", p.Status.Reason)
	}
	if p.Status.Message != "" {
		fmt.Fprintf(tw, "Message:\t%s\n", p.Status.Message)
	}
	fmt.Fprintf(tw, "IP:\t%s\n", p.Status.PodIP)
	if len(p.Status.PodIPs) > 0 {
		fmt.Fprintln(tw, "IPs:")
		for _, ip := range p.Status.PodIPs {
			fmt.Fprintf(tw, "  IP:\t%s\n", ip.IP)
		}
	} else {
		fmt.Fprintln(tw, "IPs:\t<none>")
	}
	if ref := controllerOf(p.OwnerReferences); ref != nil {
		fmt.Fprintf(tw, "Controlled By:\t%s/%s\n", ref.Kind, ref.Name)
	}
	if len(p.Spec.InitContainers) > 0 {
		fmt.Fprintln(tw, "Init Containers:")
		for _, c := range p.Spec.InitContainers {
			describeContainer(tw, c, statusOfContainer(p.Status.InitContainerStatuses, c.Name))
		}
	}
	fmt.Fprintln(tw, "Containers:")
	for _, c := range p.Spec.Containers {
		describeContainer(tw, c, statusOfContainer(p.Status.ContainerStatuses, c.Name))
	}
	fmt.Fprintln(tw, "Conditions:")
	if len(p.Status.Conditions) == 0 {
		fmt.Fprintln(tw, "  <none>")
	} else {
		fmt.Fprintln(tw, "  Type\tStatus")
		for _, c := range p.Status.Conditions {
			fmt.Fprintf(tw, "  %s\t%s\n", c.Type, c.Status)
		}
	}
	fmt.Fprintln(tw, "Volumes:")
	if len(p.Spec.Volumes) == 0 {
		fmt.Fprintln(tw, "  <none>")
	}
	for _, v := range p.Spec.Volumes {
		describeVolume(tw, v)
	}
	fmt.Fprintf(tw, "QoS Class:\t%s\n", qosClass(p))
	writeMap(tw, "Node-Selectors:", p.Spec.NodeSelector)
	var tols []string
	for _, t := range p.Spec.Tolerations {
		tols = append(tols, tolerationString(t))
	}
	writeLines(tw, "Tolerations:", tols)
	return tw.Flush()
}

// podDescribeStatus is the Status line: the phase, or Terminating with
// the grace period once the pod is deleted.
func podDescribeStatus(p *api.Pod, now time.Time) string {
	if p.DeletionTimestamp != nil {
		s := fmt.Sprintf("Terminating (since %s ago)", ageAt(*p.DeletionTimestamp, now))
		if g := p.Spec.TerminationGracePeriodSeconds; g != nil {
			s = fmt.Sprintf("Terminating (lasts %ds, since %s ago)", *g, ageAt(*p.DeletionTimestamp, now))
		}
		return s
	}
	return phaseOf(p)
}

// controllerOf is the owner reference marked controller, else the first.
func controllerOf(refs []api.OwnerReference) *api.OwnerReference {
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	if len(refs) > 0 {
		return &refs[0]
	}
	return nil
}

func statusOfContainer(sts []api.ContainerStatus, name string) *api.ContainerStatus {
	for i := range sts {
		if sts[i].Name == name {
			return &sts[i]
		}
	}
	return nil
}

// describeContainer prints one container as kubectl does.
func describeContainer(tw io.Writer, c api.Container, cs *api.ContainerStatus) {
	fmt.Fprintf(tw, "  %s:\n", c.Name)
	if cs != nil && cs.ContainerID != "" {
		fmt.Fprintf(tw, "    Container ID:\t%s\n", cs.ContainerID)
	}
	fmt.Fprintf(tw, "    Image:\t%s\n", c.Image)
	if cs != nil && cs.ImageID != "" {
		fmt.Fprintf(tw, "    Image ID:\t%s\n", cs.ImageID)
	}
	var ports, hostPorts []string
	for _, p := range c.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = api.ProtocolTCP
		}
		ports = append(ports, fmt.Sprintf("%d/%s", p.ContainerPort, proto))
		hostPorts = append(hostPorts, fmt.Sprintf("%d/%s", p.HostPort, proto))
	}
	switch len(ports) {
	case 0:
		fmt.Fprintln(tw, "    Port:\t<none>")
		fmt.Fprintln(tw, "    Host Port:\t<none>")
	case 1:
		fmt.Fprintf(tw, "    Port:\t%s\n", ports[0])
		fmt.Fprintf(tw, "    Host Port:\t%s\n", hostPorts[0])
	default:
		fmt.Fprintf(tw, "    Ports:\t%s\n", strings.Join(ports, ", "))
		fmt.Fprintf(tw, "    Host Ports:\t%s\n", strings.Join(hostPorts, ", "))
	}
	if len(c.Command) > 0 {
		writeLines(tw, "    Command:", c.Command)
	}
	if len(c.Args) > 0 {
		writeLines(tw, "    Args:", c.Args)
	}
	if cs == nil {
		fmt.Fprintln(tw, "    State:\tWaiting")
		fmt.Fprintln(tw, "    Ready:\tFalse")
		fmt.Fprintln(tw, "    Restart Count:\t0")
	} else {
		describeState(tw, "State:", cs.State)
		if cs.LastState != (api.ContainerState{}) {
			describeState(tw, "Last State:", cs.LastState)
		}
		fmt.Fprintf(tw, "    Ready:\t%s\n", boolWord(cs.Ready))
		fmt.Fprintf(tw, "    Restart Count:\t%d\n", cs.RestartCount)
	}
	for _, sec := range []struct {
		title string
		list  api.ResourceList
	}{{"Limits", c.Resources.Limits}, {"Requests", c.Resources.Requests}} {
		if len(sec.list) == 0 {
			continue
		}
		fmt.Fprintf(tw, "    %s:\n", sec.title)
		for _, k := range sortedResourceNames(sec.list) {
			q := sec.list[k]
			fmt.Fprintf(tw, "      %s:\t%s\n", k, q.String())
		}
	}
	for _, pr := range []struct {
		title string
		p     *api.Probe
	}{{"Liveness", c.LivenessProbe}, {"Readiness", c.ReadinessProbe}, {"Startup", c.StartupProbe}} {
		if pr.p != nil {
			fmt.Fprintf(tw, "    %s:\t%s\n", pr.title, probeString(pr.p))
		}
	}
	var env []string
	for _, e := range c.Env {
		env = append(env, e.Name+":\t"+envValue(e))
	}
	if len(c.EnvFrom) > 0 {
		fmt.Fprintln(tw, "    Environment Variables from:")
		for _, ef := range c.EnvFrom {
			fmt.Fprintf(tw, "      %s\n", compactJSON(ef))
		}
	}
	if len(env) == 0 {
		fmt.Fprintln(tw, "    Environment:\t<none>")
	} else {
		fmt.Fprintln(tw, "    Environment:")
		for _, e := range env {
			fmt.Fprintf(tw, "      %s\n", e)
		}
	}
	if len(c.VolumeMounts) == 0 {
		fmt.Fprintln(tw, "    Mounts:\t<none>")
		return
	}
	fmt.Fprintln(tw, "    Mounts:")
	for _, m := range c.VolumeMounts {
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		sub := ""
		if m.SubPath != "" {
			sub = fmt.Sprintf(",path=%q", m.SubPath)
		}
		fmt.Fprintf(tw, "      %s from %s (%s%s)\n", m.MountPath, m.Name, mode, sub)
	}
}

// describeState prints a container state and its details.
func describeState(tw io.Writer, title string, s api.ContainerState) {
	switch {
	case s.Running != nil:
		fmt.Fprintf(tw, "    %s\tRunning\n", title)
		if s.Running.StartedAt != nil {
			fmt.Fprintf(tw, "      Started:\t%s\n", s.Running.StartedAt.Format(describeTime))
		}
	case s.Terminated != nil:
		t := s.Terminated
		fmt.Fprintf(tw, "    %s\tTerminated\n", title)
		fmt.Fprintf(tw, "      Reason:\t%s\n", exitReason(t))
		if t.Message != "" {
			fmt.Fprintf(tw, "      Message:\t%s\n", t.Message)
		}
		fmt.Fprintf(tw, "      Exit Code:\t%d\n", t.ExitCode)
		if t.StartedAt != nil {
			fmt.Fprintf(tw, "      Started:\t%s\n", t.StartedAt.Format(describeTime))
		}
		if t.FinishedAt != nil {
			fmt.Fprintf(tw, "      Finished:\t%s\n", t.FinishedAt.Format(describeTime))
		}
	case s.Waiting != nil:
		fmt.Fprintf(tw, "    %s\tWaiting\n", title)
		if s.Waiting.Reason != "" {
			fmt.Fprintf(tw, "      Reason:\t%s\n", s.Waiting.Reason)
		}
		if s.Waiting.Message != "" {
			fmt.Fprintf(tw, "      Message:\t%s\n", s.Waiting.Message)
		}
	default:
		fmt.Fprintf(tw, "    %s\tWaiting\n", title)
	}
}

// probeString is kubectl's one-line probe: the action, then its timing.
func probeString(p *api.Probe) string {
	var action string
	switch {
	case p.HTTPGet != nil:
		scheme := strings.ToLower(string(p.HTTPGet.Scheme))
		if scheme == "" {
			scheme = "http"
		}
		action = fmt.Sprintf("http-get %s://%s:%s%s", scheme, p.HTTPGet.Host, p.HTTPGet.Port.String(), p.HTTPGet.Path)
	case p.TCPSocket != nil:
		action = "tcp-socket :" + p.TCPSocket.Port.String()
	case p.Exec != nil:
		action = fmt.Sprintf("exec %v", p.Exec.Command)
	default:
		action = "probe"
	}
	orDef := func(v, def int32) int32 {
		if v == 0 {
			return def
		}
		return v
	}
	return fmt.Sprintf("%s delay=%ds timeout=%ds period=%ds #success=%d #failure=%d", action,
		p.InitialDelaySeconds, orDef(p.TimeoutSeconds, 1), orDef(p.PeriodSeconds, 10),
		orDef(p.SuccessThreshold, 1), orDef(p.FailureThreshold, 3))
}

// envValue is an environment variable's value, or where it comes from.
func envValue(e api.EnvVar) string {
	vf := e.ValueFrom
	switch {
	case vf == nil:
		return e.Value
	case vf.ConfigMapKeyRef != nil:
		return fmt.Sprintf("<set to the key '%s' of config map '%s'>", vf.ConfigMapKeyRef.Key, vf.ConfigMapKeyRef.Name)
	case vf.SecretKeyRef != nil:
		return fmt.Sprintf("<set to the key '%s' in secret '%s'>", vf.SecretKeyRef.Key, vf.SecretKeyRef.Name)
	case vf.FieldRef != nil:
		return fmt.Sprintf("(%s)", vf.FieldRef.FieldPath)
	}
	return compactJSON(vf)
}

// describeVolume prints a volume's source: its kind, then its fields.
// It reads the volume as JSON so sources added to api.Volume show too.
func describeVolume(tw io.Writer, v api.Volume) {
	fmt.Fprintf(tw, "  %s:\n", v.Name)
	var m map[string]json.RawMessage
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		fmt.Fprintf(tw, "    Type:\t<unknown: %v>\n", err)
		return
	}
	delete(m, "name")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "    Type:\t%s\n", strings.ToUpper(k[:1])+k[1:])
		var fields map[string]any
		if json.Unmarshal(m[k], &fields) != nil {
			continue
		}
		names := make([]string, 0, len(fields))
		for f := range fields {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			val := fields[f]
			s, ok := val.(string)
			if !ok {
				s = compactJSON(val)
			}
			fmt.Fprintf(tw, "    %s:\t%s\n", strings.ToUpper(f[:1])+f[1:], s)
		}
	}
}

// qosClass is the pod's quality of service class, as Kubernetes derives
// it: Guaranteed when every container's CPU and memory limits equal its
// requests, BestEffort when none sets any, else Burstable.
func qosClass(p *api.Pod) string {
	all := append(append([]api.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...)
	some, guaranteed := false, true
	for _, c := range all {
		rq, lm := c.Resources.Requests, c.Resources.Limits
		if len(rq) > 0 || len(lm) > 0 {
			some = true
		}
		for _, res := range []string{api.ResourceCPU, api.ResourceMemory} {
			l, hasLimit := lm[res]
			r, hasReq := rq[res]
			if !hasLimit || (hasReq && r.Cmp(l) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !some:
		return "BestEffort"
	case guaranteed:
		return "Guaranteed"
	}
	return "Burstable"
}

// tolerationString is kubectl's form: key=value:Effect for Seconds.
func tolerationString(t api.Toleration) string {
	s := t.Key
	if t.Operator == api.TolerationExists && t.Key == "" {
		s = "op=Exists"
	} else if t.Value != "" {
		s += "=" + t.Value
	} else if t.Operator == api.TolerationExists {
		s += " op=Exists"
	}
	if t.Effect != "" {
		s += ":" + string(t.Effect)
	}
	if t.TolerationSeconds != nil {
		s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
	}
	return s
}

// writeMap prints key=value pairs, one a line, aligned after title.
func writeMap(tw io.Writer, title string, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + m[k]
	}
	writeLines(tw, title, lines)
}

// writeLines prints lines aligned after title, <none> when empty.
func writeLines(tw io.Writer, title string, lines []string) {
	if len(lines) == 0 {
		fmt.Fprintf(tw, "%s\t<none>\n", title)
		return
	}
	indent := strings.Repeat(" ", len(title)-len(strings.TrimLeft(title, " ")))
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintf(tw, "%s\t%s\n", title, l)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\n", indent, l)
	}
}

func boolWord(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
