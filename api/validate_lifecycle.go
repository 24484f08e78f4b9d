package api

import "strings"

// validateLifecycles checks the lifecycle hooks of a pod's containers:
// init containers may not have any, and a sleep may not outlast the pod's
// grace period.
func validateLifecycles(e *errs, p string, s *PodSpec) {
	grace := int64(DefaultTerminationGracePeriodSeconds)
	if g := s.TerminationGracePeriodSeconds; g != nil && *g >= 0 {
		grace = *g
	}
	for i := range s.InitContainers {
		if s.InitContainers[i].Lifecycle != nil {
			e.add(child(index(child(p, "initContainers"), i), "lifecycle"), "not allowed in an init container")
		}
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		if c.Lifecycle == nil {
			continue
		}
		lp := child(index(child(p, "containers"), i), "lifecycle")
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
