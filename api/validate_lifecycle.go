package api

import "strings"

// validateLifecycles checks the lifecycle hooks and restart policies of a
// pod's containers: only sidecars among init containers may have hooks,
// only init containers a restart policy, and a sleep may not outlast the
// pod's grace period.
func validateLifecycles(e *errs, p string, s *PodSpec) {
	grace := int64(DefaultTerminationGracePeriodSeconds)
	if g := s.TerminationGracePeriodSeconds; g != nil && *g >= 0 {
		grace = *g
	}
	type entry struct {
		path string
		c    *Container
	}
	var hooked []entry
	for i := range s.InitContainers {
		c, cp := &s.InitContainers[i], index(child(p, "initContainers"), i)
		if rp := c.RestartPolicy; rp != nil && *rp != ContainerRestartAlways {
			e.add(child(cp, "restartPolicy"), "unknown policy %s (want Always, which makes a sidecar, or none)", quote(string(*rp)))
		}
		switch {
		case c.Lifecycle == nil:
		case !c.IsSidecar():
			e.add(child(cp, "lifecycle"), "not allowed in an init container (only in a sidecar, with restartPolicy: Always)")
		default:
			hooked = append(hooked, entry{cp, c})
		}
	}
	for i := range s.Containers {
		c, cp := &s.Containers[i], index(child(p, "containers"), i)
		if c.RestartPolicy != nil {
			e.add(child(cp, "restartPolicy"), "only allowed on init containers (restartPolicy: Always makes a sidecar); the pod's restartPolicy applies here")
		}
		if c.Lifecycle != nil {
			hooked = append(hooked, entry{cp, c})
		}
	}
	for _, h := range hooked {
		c, lp := h.c, child(h.path, "lifecycle")
		portNames := map[string]bool{}
		for _, port := range c.Ports {
			if port.Name != "" {
				portNames[port.Name] = true
			}
		}
		if h := c.Lifecycle.PostStart; h != nil {
			validateHandler(e, child(lp, "postStart"), h, portNames, grace)
		}
		if h := c.Lifecycle.PreStop; h != nil {
			validateHandler(e, child(lp, "preStop"), h, portNames, grace)
		}
	}
}

// validateHandler checks one lifecycle hook: exactly one action, and the
// action itself.
func validateHandler(e *errs, p string, h *LifecycleHandler, portNames map[string]bool, grace int64) {
	var actions []string
	if x := h.Exec; x != nil {
		actions = append(actions, "exec")
		if len(x.Command) == 0 {
			e.required(child(p, "exec.command"))
		}
	}
	if g := h.HTTPGet; g != nil {
		actions = append(actions, "httpGet")
		validateHTTPGet(e, child(p, "httpGet"), g, portNames)
	}
	if s := h.Sleep; s != nil {
		actions = append(actions, "sleep")
		if s.Seconds < 0 || s.Seconds > grace {
			e.add(child(p, "sleep.seconds"), "must be from 0 to terminationGracePeriodSeconds (%d), got %d", grace, s.Seconds)
		}
	}
	switch len(actions) {
	case 0:
		e.add(p, "must have exactly one of exec, httpGet or sleep")
	case 1:
	default:
		e.add(p, "must have exactly one of exec, httpGet or sleep, got %s", strings.Join(actions, " and "))
	}
}

// validateGRPC checks a grpc probe: a port number (names are not allowed,
// as in Kubernetes).
func validateGRPC(e *errs, p string, g *GRPCAction) {
	if g.Port < 1 || g.Port > 65535 {
		e.add(child(p, "port"), "must be 1-65535, got %d", g.Port)
	}
}
