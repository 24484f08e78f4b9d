package api

import (
	"slices"
	"strings"
)

// SafeSysctls are the sysctls a pod may set at every Pod Security level:
// Kubernetes' safe set, which touch only the pod's own namespaces and
// cannot hurt its neighbours. Others need a namespace at level
// privileged, and even there only namespaced sysctls are allowed.
var SafeSysctls = []string{
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.ping_group_range",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_fin_timeout",
}

// IsSafeSysctl reports whether name is in SafeSysctls.
func IsSafeSysctl(name string) bool { return slices.Contains(SafeSysctls, name) }

// sysctlNamespace returns the Linux namespace sysctl name lives in:
// "net" or "ipc", or "" when it is node-wide (no namespace isolates it).
func sysctlNamespace(name string) string {
	switch {
	case strings.HasPrefix(name, "net."):
		return "net"
	case name == "kernel.sem", strings.HasPrefix(name, "kernel.shm"), strings.HasPrefix(name, "kernel.msg"), strings.HasPrefix(name, "fs.mqueue."):
		return "ipc"
	}
	return ""
}

// sysctlNameError returns why name is not a sysctl name ("" if it is one):
// dot-separated segments of lower-case letters, digits, '-' and '_'.
func sysctlNameError(name string) string {
	const want = "must be a sysctl name: dot-separated lower-case letters, digits, '-' and '_', such as net.ipv4.tcp_syncookies"
	if name == "" || len(name) > 253 {
		return want
	}
	for _, seg := range strings.Split(name, ".") {
		if seg == "" || seg[0] == '-' || seg[0] == '_' || seg[len(seg)-1] == '-' || seg[len(seg)-1] == '_' {
			return want
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; !isLowerAlnum(c) && c != '-' && c != '_' {
				return want
			}
		}
	}
	return ""
}

// validateSysctls checks a pod's sysctls: well-formed, each once, and
// namespaced (a node-wide sysctl would change the node for every pod). A
// pod in the node's network or IPC namespace may not set that
// namespace's sysctls. Whether a sysctl outside SafeSysctls is allowed
// depends on the namespace's Pod Security level (PodSecurityViolations).
func validateSysctls(e *errs, p string, sysctls []Sysctl, hostNetwork, hostIPC bool) {
	seen := map[string]bool{}
	for i, s := range sysctls {
		sp := index(p, i)
		if msg := sysctlNameError(s.Name); msg != "" {
			e.check(child(sp, "name"), s.Name, msg)
			continue
		}
		if seen[s.Name] {
			e.add(child(sp, "name"), "duplicate sysctl %s", quote(s.Name))
		}
		seen[s.Name] = true
		switch sysctlNamespace(s.Name) {
		case "":
			e.add(child(sp, "name"), "sysctl %s is not namespaced: it would change the whole node, so no pod may set it", quote(s.Name))
		case "net":
			if hostNetwork {
				e.add(child(sp, "name"), "sysctl %s may not be set with hostNetwork: it would change the node's network namespace", quote(s.Name))
			}
		case "ipc":
			if hostIPC {
				e.add(child(sp, "name"), "sysctl %s may not be set with hostIPC: it would change the node's IPC namespace", quote(s.Name))
			}
		}
		if strings.ContainsAny(s.Value, "\n\x00") {
			e.add(child(sp, "value"), "must be one line, got %s", quote(s.Value))
		}
	}
}
