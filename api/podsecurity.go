package api

import (
	"fmt"
	"slices"
	"strings"
)

// PodSecurityEnforceLabel on a Namespace chooses the Pod Security level its
// pods must meet, as Kubernetes' Pod Security Admission does.
const PodSecurityEnforceLabel = "pod-security.kubernetes.io/enforce"

// PodSecurityLevel is one of the Kubernetes Pod Security Standards.
type PodSecurityLevel string

// Pod Security levels, from least to most restrictive.
const (
	// PodSecurityPrivileged allows everything.
	PodSecurityPrivileged PodSecurityLevel = "privileged"
	// PodSecurityBaseline refuses known privilege escalations: privileged
	// containers, added capabilities beyond the default set, hostPath
	// volumes, host ports, and an Unconfined seccomp profile.
	PodSecurityBaseline PodSecurityLevel = "baseline"
	// PodSecurityRestricted adds hardening on top of baseline: no privilege
	// escalation, non-root, all capabilities dropped, a seccomp profile,
	// and only volume types that carry no host access.
	PodSecurityRestricted PodSecurityLevel = "restricted"
)

// ParsePodSecurityLevel checks a level name.
func ParsePodSecurityLevel(s string) (PodSecurityLevel, error) {
	switch l := PodSecurityLevel(s); l {
	case PodSecurityPrivileged, PodSecurityBaseline, PodSecurityRestricted:
		return l, nil
	}
	return "", fmt.Errorf("pod security level %q: want privileged, baseline or restricted", s)
}

// validateNamespaceLabels checks the Pod Security label of a Namespace.
func validateNamespaceLabels(e *errs, ns *Namespace) {
	if v, ok := ns.Labels[PodSecurityEnforceLabel]; ok {
		if _, err := ParsePodSecurityLevel(v); err != nil {
			e.invalid(child("metadata.labels", PodSecurityEnforceLabel), v, "want privileged, baseline or restricted")
		}
	}
}

// baselineCapabilities may be added under the baseline level: the ones
// container runtimes grant by default.
var baselineCapabilities = []string{
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

// PodSecurityViolations lists what in spec breaks level, one entry per
// check in the words Kubernetes uses, such as `allowPrivilegeEscalation !=
// false (container "x" must set
// securityContext.allowPrivilegeEscalation=false)`. None for privileged.
func PodSecurityViolations(level PodSecurityLevel, spec *PodSpec) []string {
	if level != PodSecurityBaseline && level != PodSecurityRestricted {
		return nil
	}
	var v []string
	containers := slices.Concat(spec.InitContainers, spec.Containers)
	sc := func(c *Container) *SecurityContext {
		if c.SecurityContext == nil {
			return &SecurityContext{}
		}
		return c.SecurityContext
	}
	podSC := spec.SecurityContext
	if podSC == nil {
		podSC = &PodSecurityContext{}
	}
	// each collects the containers for which bad is true and, if any,
	// adds one violation naming them.
	each := func(check, format string, bad func(c *Container) bool) {
		var names []string
		for i := range containers {
			if bad(&containers[i]) {
				names = append(names, fmt.Sprintf("%q", containers[i].Name))
			}
		}
		if len(names) > 0 {
			v = append(v, fmt.Sprintf("%s (%s %s %s)", check, plural(len(names), "container", "containers"), strings.Join(names, ", "), format))
		}
	}

	// Baseline.
	each("privileged", "must not set securityContext.privileged=true", func(c *Container) bool {
		p := sc(c).Privileged
		return p != nil && *p
	})
	var capsNotes []string
	for _, c := range containers {
		var added []string
		if caps := sc(&c).Capabilities; caps != nil {
			for _, cp := range caps.Add {
				if !slices.Contains(baselineCapabilities, cp) {
					added = append(added, fmt.Sprintf("%q", cp))
				}
			}
		}
		if len(added) > 0 {
			capsNotes = append(capsNotes, fmt.Sprintf("container %q must not include %s in securityContext.capabilities.add", c.Name, strings.Join(added, ", ")))
		}
	}
	if len(capsNotes) > 0 {
		v = append(v, fmt.Sprintf("non-default capabilities (%s)", strings.Join(capsNotes, "; ")))
	}
	var hostPaths []string
	for _, vol := range spec.Volumes {
		if vol.HostPath != nil {
			hostPaths = append(hostPaths, fmt.Sprintf("%q", vol.Name))
		}
	}
	if len(hostPaths) > 0 {
		v = append(v, fmt.Sprintf("hostPath volumes (%s %s)", plural(len(hostPaths), "volume", "volumes"), strings.Join(hostPaths, ", ")))
	}
	var ports []string
	for _, c := range containers {
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				ports = append(ports, fmt.Sprint(p.HostPort))
			}
		}
	}
	if len(ports) > 0 {
		v = append(v, fmt.Sprintf("hostPort (%s %s)", plural(len(ports), "port", "ports"), strings.Join(ports, ", ")))
	}
	if p := podSC.SeccompProfile; p != nil && p.Type == SeccompUnconfined {
		v = append(v, `seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")`)
	}
	each("seccompProfile", `must not set securityContext.seccompProfile.type to "Unconfined"`, func(c *Container) bool {
		p := sc(c).SeccompProfile
		return p != nil && p.Type == SeccompUnconfined
	})
	v = append(v, hostNamespaceViolations(spec)...)
	if level == PodSecurityBaseline {
		return v
	}

	// Restricted.
	each("allowPrivilegeEscalation != false", "must set securityContext.allowPrivilegeEscalation=false", func(c *Container) bool {
		a := sc(c).AllowPrivilegeEscalation
		return a == nil || *a
	})
	each("unrestricted capabilities", `must set securityContext.capabilities.drop=["ALL"]`, func(c *Container) bool {
		caps := sc(c).Capabilities
		return caps == nil || !slices.Contains(caps.Drop, "ALL")
	})
	each("unrestricted capabilities", `must not add capabilities other than "NET_BIND_SERVICE"`, func(c *Container) bool {
		caps := sc(c).Capabilities
		return caps != nil && slices.ContainsFunc(caps.Add, func(cp string) bool { return cp != "NET_BIND_SERVICE" })
	})
	each("runAsNonRoot != true", "must set securityContext.runAsNonRoot=true", func(c *Container) bool {
		r := sc(c).RunAsNonRoot
		if r == nil { // the pod's applies (issue 12)
			r = podSC.RunAsNonRoot
		}
		return r == nil || !*r
	})
	if u := podSC.RunAsUser; u != nil && *u == 0 {
		v = append(v, "runAsUser=0 (pod must not set runAsUser=0)")
	}
	each("runAsUser=0", "must not set runAsUser=0", func(c *Container) bool {
		u := sc(c).RunAsUser
		return u != nil && *u == 0
	})
	podSeccomp := podSC.SeccompProfile != nil && podSC.SeccompProfile.Type == SeccompRuntimeDefault
	each("seccompProfile", `must set securityContext.seccompProfile.type to "RuntimeDefault" (on the container or the pod)`, func(c *Container) bool {
		p := sc(c).SeccompProfile
		if p != nil {
			return p.Type != SeccompRuntimeDefault
		}
		return !podSeccomp
	})
	var kinds []string
	for _, vol := range spec.Volumes {
		if vol.HostPath != nil {
			kinds = append(kinds, fmt.Sprintf("%q (hostPath)", vol.Name))
		}
	}
	if len(kinds) > 0 {
		v = append(v, fmt.Sprintf("restricted volume types (%s %s)", plural(len(kinds), "volume", "volumes"), strings.Join(kinds, ", ")))
	}
	return v
}

// PodSecurityError says why a pod breaks the level of its namespace, in
// Kubernetes' words: `violates PodSecurity "restricted:latest": ...`.
func PodSecurityError(level PodSecurityLevel, namespace string, violations []string) error {
	return fmt.Errorf("violates PodSecurity %q in namespace %q: %s", string(level)+":latest", namespace, strings.Join(violations, ", "))
}

// plural returns one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
