package api

import (
	"net/netip"
	"path"
	"strconv"
	"strings"
)

// podSpecOptions adapt pod spec checks to where the spec lives.
type podSpecOptions struct {
	// workload is set for Deployment, StatefulSet and DaemonSet templates,
	// whose pods must restart always.
	workload bool
	// claimTemplates are StatefulSet volume claim template names, which
	// containers may mount as if they were volumes.
	claimTemplates map[string]bool
}

var containerResourceNames = map[string]bool{ResourceCPU: true, ResourceMemory: true, ResourceEphemeralStorage: true}

// validatePodTemplate checks a workload's pod template at path.
func validatePodTemplate(e *errs, p string, t *PodTemplateSpec, opts podSpecOptions) {
	validateLabels(e, child(p, "metadata.labels"), t.Labels)
	validateAnnotations(e, child(p, "metadata.annotations"), t.Annotations)
	validatePodSpec(e, child(p, "spec"), &t.Spec, opts)
}

func validatePodSpec(e *errs, p string, s *PodSpec, opts podSpecOptions) {
	volumesPath := child(p, "volumes")
	volumes := map[string]bool{}
	for i := range s.Volumes {
		vp := index(volumesPath, i)
		v := &s.Volumes[i]
		validateVolume(e, vp, v)
		switch {
		case v.Name == "":
		case volumes[v.Name]:
			e.add(child(vp, "name"), "duplicate volume name %s", quote(v.Name))
		case opts.claimTemplates[v.Name]:
			e.add(child(vp, "name"), "%s is also the name of a volume claim template", quote(v.Name))
		}
		volumes[v.Name] = true
	}
	for name := range opts.claimTemplates {
		volumes[name] = true
	}
	if len(s.Containers) == 0 {
		e.add(child(p, "containers"), "required: at least one container")
	}
	names := map[string]bool{}
	hostPorts := map[string]bool{}
	for i := range s.InitContainers {
		validateContainer(e, index(child(p, "initContainers"), i), &s.InitContainers[i], true, volumes, volumesPath, names, hostPorts)
	}
	for i := range s.Containers {
		validateContainer(e, index(child(p, "containers"), i), &s.Containers[i], false, volumes, volumesPath, names, hostPorts)
	}
	validateLifecycles(e, p, s)
	switch s.RestartPolicy {
	case "", RestartAlways:
	case RestartOnFailure, RestartNever:
		if opts.workload {
			e.add(child(p, "restartPolicy"), "must be Always in a workload's pod template, got %s", quote(string(s.RestartPolicy)))
		}
	default:
		e.add(child(p, "restartPolicy"), "unknown policy %s (want Always, OnFailure or Never)", quote(string(s.RestartPolicy)))
	}
	if s.NodeName != "" {
		e.check(child(p, "nodeName"), s.NodeName, dnsSubdomainError(s.NodeName))
	}
	validateLabels(e, child(p, "nodeSelector"), s.NodeSelector)
	validateTolerations(e, child(p, "tolerations"), s.Tolerations)
	validateAffinity(e, child(p, "affinity"), s.Affinity)
	validateTopologySpread(e, child(p, "topologySpreadConstraints"), s.TopologySpreadConstraints)
	validatePodFields(e, p, s)
	validatePodPriority(e, p, s)
	validateServiceAccountName(e, p, s)
	if g := s.TerminationGracePeriodSeconds; g != nil && (*g < 0 || *g > MaxGracePeriodSeconds) {
		e.add(child(p, "terminationGracePeriodSeconds"), "must be 0-%d, got %d", MaxGracePeriodSeconds, *g)
	}
	if s.Hostname != "" {
		e.check(child(p, "hostname"), s.Hostname, dnsLabelError(s.Hostname))
	}
	if s.Subdomain != "" {
		e.check(child(p, "subdomain"), s.Subdomain, dnsLabelError(s.Subdomain))
	}
	if sc := s.SecurityContext; sc != nil {
		sp := child(p, "securityContext")
		validID(e, child(sp, "runAsUser"), sc.RunAsUser)
		validID(e, child(sp, "runAsGroup"), sc.RunAsGroup)
		validID(e, child(sp, "fsGroup"), sc.FSGroup)
		validateSeccomp(e, child(sp, "seccompProfile"), sc.SeccompProfile)
	}
}

// MaxID is the largest UID or GID a pod may ask for, as in Kubernetes:
// Linux IDs are 32 bits, and a larger value would wrap around (4294967296
// is 0, root) where the runtime narrows it.
const MaxID = 1<<31 - 1

// validID checks a UID or GID.
func validID(e *errs, p string, v *int64) {
	switch {
	case v == nil:
	case *v < 0:
		e.add(p, "must be at least 0, got %d", *v)
	case *v > MaxID:
		e.add(p, "must be at most %d, got %d (user and group IDs are 31-bit)", MaxID, *v)
	}
}

func validateContainer(e *errs, p string, c *Container, init bool, volumes map[string]bool, volumesPath string, names, hostPorts map[string]bool) {
	switch {
	case c.Name == "":
		e.required(child(p, "name"))
	case dnsLabelError(c.Name) != "":
		e.invalid(child(p, "name"), c.Name, dnsLabelError(c.Name))
	case names[c.Name]:
		e.add(child(p, "name"), "duplicate container name %s", quote(c.Name))
	}
	names[c.Name] = true
	switch {
	case c.Image == "":
		e.required(child(p, "image"))
	case strings.TrimSpace(c.Image) != c.Image || strings.ContainsAny(c.Image, " \t\n"):
		e.invalid(child(p, "image"), c.Image, "may not contain whitespace")
	}
	switch c.ImagePullPolicy {
	case "", PullAlways, PullIfNotPresent, PullNever:
	default:
		e.add(child(p, "imagePullPolicy"), "unknown policy %s (want Always, IfNotPresent or Never)", quote(string(c.ImagePullPolicy)))
	}
	for i := range c.Env {
		validateEnvVar(e, index(child(p, "env"), i), &c.Env[i])
	}
	validateEnvFrom(e, child(p, "envFrom"), c.EnvFrom)
	portNames := map[string]bool{}
	for i, port := range c.Ports {
		pp := index(child(p, "ports"), i)
		if port.Name != "" {
			if msg := ianaSvcNameError(port.Name); msg != "" {
				e.invalid(child(pp, "name"), port.Name, msg)
			} else if portNames[port.Name] {
				e.add(child(pp, "name"), "duplicate port name %s", quote(port.Name))
			}
			portNames[port.Name] = true
		}
		if port.ContainerPort < 1 || port.ContainerPort > 65535 {
			e.add(child(pp, "containerPort"), "must be 1-65535, got %d", port.ContainerPort)
		}
		if port.HostPort < 0 || port.HostPort > 65535 {
			e.add(child(pp, "hostPort"), "must be 0-65535, got %d", port.HostPort)
		}
		switch port.Protocol {
		case "", ProtocolTCP, ProtocolUDP, ProtocolSCTP:
		default:
			e.add(child(pp, "protocol"), "unknown protocol %s (want TCP, UDP or SCTP)", quote(string(port.Protocol)))
		}
		if port.HostPort > 0 {
			proto := port.Protocol
			if proto == "" {
				proto = ProtocolTCP
			}
			hp := string(proto) + "/" + itoa(int(port.HostPort))
			if hostPorts[hp] {
				e.add(child(pp, "hostPort"), "duplicate host port %s", hp)
			}
			hostPorts[hp] = true
		}
	}
	validateResources(e, child(p, "resources"), &c.Resources)
	mountPaths := map[string]bool{}
	for i, m := range c.VolumeMounts {
		mp := index(child(p, "volumeMounts"), i)
		switch {
		case m.Name == "":
			e.required(child(mp, "name"))
		case !volumes[m.Name]:
			e.add(child(mp, "name"), "volume %s not found in %s", quote(m.Name), volumesPath)
		}
		switch {
		case m.MountPath == "":
			e.required(child(mp, "mountPath"))
		case !strings.HasPrefix(m.MountPath, "/"):
			e.invalid(child(mp, "mountPath"), m.MountPath, "must be an absolute path")
		case mountPaths[path.Clean(m.MountPath)]:
			e.add(child(mp, "mountPath"), "duplicate mount path %s", quote(m.MountPath))
		}
		mountPaths[path.Clean(m.MountPath)] = true
		if m.SubPath != "" {
			e.check(child(mp, "subPath"), m.SubPath, relativePathError(m.SubPath))
		}
	}
	probes := []struct {
		name     string
		probe    *Probe
		liveness bool
	}{{"livenessProbe", c.LivenessProbe, true}, {"readinessProbe", c.ReadinessProbe, false}, {"startupProbe", c.StartupProbe, true}}
	for _, pr := range probes {
		if pr.probe == nil {
			continue
		}
		if init && !c.IsSidecar() {
			e.add(child(p, pr.name), "not allowed in an init container (only in a sidecar, with restartPolicy: Always)")
			continue
		}
		validateProbe(e, child(p, pr.name), pr.probe, pr.liveness, portNames)
	}
	if sc := c.SecurityContext; sc != nil {
		sp := child(p, "securityContext")
		validID(e, child(sp, "runAsUser"), sc.RunAsUser)
		validID(e, child(sp, "runAsGroup"), sc.RunAsGroup)
		if sc.Privileged != nil && *sc.Privileged && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
			e.add(child(sp, "allowPrivilegeEscalation"), "may not be false when privileged is true")
		}
		validateSeccomp(e, child(sp, "seccompProfile"), sc.SeccompProfile)
		if caps := sc.Capabilities; caps != nil {
			for _, list := range []struct {
				name string
				caps []string
			}{{"add", caps.Add}, {"drop", caps.Drop}} {
				for i, cp := range list.caps {
					if cp == "" || strings.ContainsAny(cp, " \t\n") {
						e.invalid(index(child(sp, "capabilities."+list.name), i), cp, "must be a capability name like NET_ADMIN")
					}
				}
			}
		}
	}
}

// validateSeccomp checks a seccomp profile: RuntimeDefault or Unconfined.
func validateSeccomp(e *errs, p string, sp *SeccompProfile) {
	if sp == nil {
		return
	}
	switch sp.Type {
	case SeccompRuntimeDefault, SeccompUnconfined:
		if sp.LocalhostProfile != nil {
			e.add(child(p, "localhostProfile"), "only allowed with type Localhost")
		}
	case SeccompLocalhost:
		e.invalid(child(p, "type"), string(sp.Type), "Localhost profiles are not supported; use RuntimeDefault or Unconfined")
	case "":
		e.required(child(p, "type"))
	default:
		e.invalid(child(p, "type"), string(sp.Type), `want "RuntimeDefault" or "Unconfined"`)
	}
}

// relativePathError checks a path that must stay inside a volume.
func relativePathError(p string) string {
	if strings.HasPrefix(p, "/") {
		return "must be a relative path"
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return "may not contain '..'"
		}
	}
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }

var envFieldPaths = map[string]bool{
	"metadata.name": true, "metadata.namespace": true, "metadata.uid": true,
	"spec.nodeName": true, "status.hostIP": true, "status.podIP": true, "status.podIPs": true,
}

func validateEnvVar(e *errs, p string, v *EnvVar) {
	switch {
	case v.Name == "":
		e.required(child(p, "name"))
	case strings.Contains(v.Name, "="):
		e.invalid(child(p, "name"), v.Name, "may not contain '='")
	}
	src := v.ValueFrom
	if src == nil {
		return
	}
	sp := child(p, "valueFrom")
	if v.Value != "" {
		e.add(sp, "may not be set together with value")
	}
	n := 0
	if r := src.ConfigMapKeyRef; r != nil {
		n++
		validateKeySelector(e, child(sp, "configMapKeyRef"), r)
	}
	if r := src.SecretKeyRef; r != nil {
		n++
		validateKeySelector(e, child(sp, "secretKeyRef"), r)
	}
	if r := src.FieldRef; r != nil {
		n++
		fp := r.FieldPath
		ok := fieldPathOK(fp, envFieldPaths)
		switch {
		case fp == "":
			e.required(child(sp, "fieldRef.fieldPath"))
		case !ok:
			e.invalid(child(sp, "fieldRef.fieldPath"), fp, "unsupported field (want metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'], metadata.annotations['KEY'], spec.nodeName, status.hostIP, status.podIP or status.podIPs)")
		}
	}
	if n != 1 {
		e.add(sp, "must have exactly one of configMapKeyRef, secretKeyRef or fieldRef")
	}
}

func validateKeySelector(e *errs, p string, r *KeySelector) {
	if r.Name == "" {
		e.required(child(p, "name"))
	} else {
		e.check(child(p, "name"), r.Name, dnsSubdomainError(r.Name))
	}
	if r.Key == "" {
		e.required(child(p, "key"))
	} else {
		e.check(child(p, "key"), r.Key, configKeyError(r.Key))
	}
}

func validateResources(e *errs, p string, r *ResourceRequirements) {
	for _, list := range []struct {
		name string
		rl   ResourceList
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		for _, name := range sortedKeys(list.rl) {
			rp := key(child(p, list.name), name)
			if !containerResourceNames[name] {
				e.add(rp, "unknown resource %s (want cpu, memory or ephemeral-storage)", quote(name))
			}
			if list.rl[name].Sign() < 0 {
				e.add(rp, "must not be negative, got %s", list.rl[name])
			}
		}
	}
	for _, name := range sortedKeys(r.Requests) {
		req := r.Requests[name]
		if limit, ok := r.Limits[name]; ok && req.Cmp(limit) > 0 {
			e.add(key(child(p, "requests"), name), "%s is more than the limit %s", req, limit)
		}
	}
}

func validateProbe(e *errs, p string, pr *Probe, liveness bool, portNames map[string]bool) {
	var handlers []string
	if h := pr.HTTPGet; h != nil {
		handlers = append(handlers, "httpGet")
		validateHTTPGet(e, child(p, "httpGet"), h, portNames)
	}
	if t := pr.TCPSocket; t != nil {
		handlers = append(handlers, "tcpSocket")
		validatePort(e, child(p, "tcpSocket.port"), t.Port, portNames)
	}
	if x := pr.Exec; x != nil {
		handlers = append(handlers, "exec")
		if len(x.Command) == 0 {
			e.required(child(p, "exec.command"))
		}
	}
	if g := pr.GRPC; g != nil {
		handlers = append(handlers, "grpc")
		validateGRPC(e, child(p, "grpc"), g)
	}
	switch len(handlers) {
	case 0:
		e.add(p, "must have exactly one of httpGet, tcpSocket, exec or grpc")
	case 1:
	default:
		e.add(p, "must have exactly one of httpGet, tcpSocket, exec or grpc, got %s", strings.Join(handlers, " and "))
	}
	for _, f := range []struct {
		name string
		v    int32
	}{{"initialDelaySeconds", pr.InitialDelaySeconds}, {"periodSeconds", pr.PeriodSeconds}, {"timeoutSeconds", pr.TimeoutSeconds}, {"successThreshold", pr.SuccessThreshold}, {"failureThreshold", pr.FailureThreshold}} {
		if f.v < 0 {
			e.add(child(p, f.name), "must be at least 0, got %d", f.v)
		}
	}
	if liveness && pr.SuccessThreshold > 1 {
		e.add(child(p, "successThreshold"), "must be 1 for liveness and startup probes, got %d", pr.SuccessThreshold)
	}
}

// validateHTTPGet checks the httpGet action of a probe or lifecycle hook.
func validateHTTPGet(e *errs, hp string, h *HTTPGetAction, portNames map[string]bool) {
	validatePort(e, child(hp, "port"), h.Port, portNames)
	switch h.Scheme {
	case "", URISchemeHTTP, URISchemeHTTPS:
	default:
		e.add(child(hp, "scheme"), "unknown scheme %s (want HTTP or HTTPS)", quote(string(h.Scheme)))
	}
	if h.Path != "" && !strings.HasPrefix(h.Path, "/") {
		e.invalid(child(hp, "path"), h.Path, "must start with '/'")
	}
	for i, hdr := range h.HTTPHeaders {
		if hdr.Name == "" || strings.ContainsAny(hdr.Name, " \t\r\n:") {
			e.invalid(child(index(child(hp, "httpHeaders"), i), "name"), hdr.Name, "must be an HTTP header name")
		}
	}
}

// validatePort checks a port given by number or by name; a name must be one
// of names when names is not nil.
func validatePort(e *errs, p string, v IntOrString, names map[string]bool) {
	if v.Type == TypeInt {
		if v.IntVal < 1 || v.IntVal > 65535 {
			e.add(p, "must be 1-65535 or a port name, got %d", v.IntVal)
		}
		return
	}
	if msg := ianaSvcNameError(v.StrVal); msg != "" {
		e.invalid(p, v.StrVal, msg)
	} else if names != nil && !names[v.StrVal] {
		e.add(p, "no container port is named %s", quote(v.StrVal))
	}
}

func validateVolume(e *errs, p string, v *Volume) {
	if v.Name == "" {
		e.required(child(p, "name"))
	} else {
		e.check(child(p, "name"), v.Name, dnsLabelError(v.Name))
	}
	var sources []string
	if s := v.EmptyDir; s != nil {
		sources = append(sources, "emptyDir")
		switch s.Medium {
		case StorageMediumDefault, StorageMediumMemory:
		default:
			e.add(child(p, "emptyDir.medium"), "unknown medium %s (want \"\" or Memory)", quote(string(s.Medium)))
		}
		// With medium: Memory the node caps a tmpfs at sizeLimit; on disk
		// it evicts the pod once the directory outgrows it (kubelet).
		if s.SizeLimit != nil && s.SizeLimit.Sign() < 0 {
			e.add(child(p, "emptyDir.sizeLimit"), "must not be negative, got %s", s.SizeLimit)
		}
	}
	if s := v.HostPath; s != nil {
		sources = append(sources, "hostPath")
		switch {
		case s.Path == "":
			e.required(child(p, "hostPath.path"))
		case !strings.HasPrefix(s.Path, "/"):
			e.invalid(child(p, "hostPath.path"), s.Path, "must be an absolute path")
		}
		switch s.Type {
		case HostPathUnset, HostPathDirectoryOrCreate, HostPathDirectory, HostPathFileOrCreate, HostPathFile, HostPathSocket, HostPathCharDev, HostPathBlockDev:
		default:
			e.add(child(p, "hostPath.type"), "unknown type %s (want DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice)", quote(string(s.Type)))
		}
	}
	if s := v.ConfigMap; s != nil {
		sources = append(sources, "configMap")
		cp := child(p, "configMap")
		if s.Name == "" {
			e.required(child(cp, "name"))
		} else {
			e.check(child(cp, "name"), s.Name, dnsSubdomainError(s.Name))
		}
		validateProjection(e, cp, s.Items, s.DefaultMode)
	}
	if s := v.Secret; s != nil {
		sources = append(sources, "secret")
		sp := child(p, "secret")
		if s.SecretName == "" {
			e.required(child(sp, "secretName"))
		} else {
			e.check(child(sp, "secretName"), s.SecretName, dnsSubdomainError(s.SecretName))
		}
		validateProjection(e, sp, s.Items, s.DefaultMode)
	}
	if s := v.PersistentVolumeClaim; s != nil {
		sources = append(sources, "persistentVolumeClaim")
		if s.ClaimName == "" {
			e.required(child(p, "persistentVolumeClaim.claimName"))
		} else {
			e.check(child(p, "persistentVolumeClaim.claimName"), s.ClaimName, dnsSubdomainError(s.ClaimName))
		}
	}
	sources = append(sources, validateProjectedSources(e, p, v)...)
	switch len(sources) {
	case 0:
		e.add(p, "must have exactly one of emptyDir, hostPath, configMap, secret, persistentVolumeClaim, projected or downwardAPI")
	case 1:
	default:
		e.add(p, "must have exactly one of emptyDir, hostPath, configMap, secret, persistentVolumeClaim, projected or downwardAPI, got %s", strings.Join(sources, " and "))
	}
}

func validateProjection(e *errs, p string, items []KeyToPath, defaultMode *int32) {
	validateMode(e, child(p, "defaultMode"), defaultMode)
	paths := map[string]bool{}
	for i, it := range items {
		ip := index(child(p, "items"), i)
		if it.Key == "" {
			e.required(child(ip, "key"))
		} else {
			e.check(child(ip, "key"), it.Key, configKeyError(it.Key))
		}
		validateItemPath(e, child(ip, "path"), it.Path, paths)
		validateMode(e, child(ip, "mode"), it.Mode)
	}
}

func validateMode(e *errs, p string, mode *int32) {
	if mode != nil && (*mode < 0 || *mode > 0o777) {
		e.add(p, "must be a file mode from 0 to 0777 (511), got %d", *mode)
	}
}

var podPhases = map[PodPhase]bool{"": true, PodPending: true, PodRunning: true, PodSucceeded: true, PodFailed: true, PodUnknown: true}

func validatePodStatus(e *errs, p string, s *PodStatus) {
	if !podPhases[s.Phase] {
		e.add(child(p, "phase"), "unknown phase %s", quote(string(s.Phase)))
	}
	validateIP(e, child(p, "hostIP"), s.HostIP)
	validateIP(e, child(p, "podIP"), s.PodIP)
	for i, ip := range s.PodIPs {
		validateIP(e, child(index(child(p, "podIPs"), i), "ip"), ip.IP)
	}
	for i, c := range s.Conditions {
		cp := index(child(p, "conditions"), i)
		if c.Type == "" {
			e.required(child(cp, "type"))
		}
		validateConditionStatus(e, child(cp, "status"), c.Status)
	}
	for _, list := range []struct {
		name string
		cs   []ContainerStatus
	}{{"initContainerStatuses", s.InitContainerStatuses}, {"containerStatuses", s.ContainerStatuses}} {
		for i, c := range list.cs {
			if c.Name == "" {
				e.required(child(index(child(p, list.name), i), "name"))
			}
		}
	}
}

func validateConditionStatus(e *errs, p string, s ConditionStatus) {
	switch s {
	case ConditionTrue, ConditionFalse, ConditionUnknown:
	default:
		e.add(p, "got %s, want True, False or Unknown", quote(string(s)))
	}
}

// validateIP checks an optional IP address.
func validateIP(e *errs, p, ip string) {
	if ip == "" {
		return
	}
	if _, err := netip.ParseAddr(ip); err != nil || strings.Contains(ip, "%") {
		e.invalid(p, ip, "must be an IP address")
	}
}

// fieldPathOK reports whether a downward API fieldPath is one of known or
// names one label or annotation by a valid key (metadata.labels['KEY']).
func fieldPathOK(fp string, known map[string]bool) bool {
	for _, prefix := range []string{"metadata.labels['", "metadata.annotations['"} {
		if k, found := strings.CutPrefix(fp, prefix); found && strings.HasSuffix(k, "']") {
			return qualifiedNameError(strings.TrimSuffix(k, "']")) == ""
		}
	}
	return known[fp]
}

// validateItemPath checks the relative file path of a volume item at p and
// records it in paths, refusing one another item already writes.
func validateItemPath(e *errs, p, path string, paths map[string]bool) {
	switch {
	case path == "":
		e.required(p)
	case relativePathError(path) != "":
		e.invalid(p, path, relativePathError(path))
	case paths[path]:
		e.add(p, "duplicate path %s", quote(path))
	}
	paths[path] = true
}
