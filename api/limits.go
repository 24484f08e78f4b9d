package api

import (
	"fmt"
	"strings"
)

// Limits that keep one object from costing the cluster too much, and keep
// the names controllers derive from a user's name valid.
const (
	// MaxReplicas is the most pods one Deployment, ReplicaSet or
	// StatefulSet may ask for. Each pod is an object in every replica's
	// store and a container somewhere; a typo like 100000000 must not
	// reach the controllers.
	MaxReplicas = 10_000
	// MaxTemplateHashLength is the longest pod-template hash a controller
	// appends to a name: a 32-bit number's decimal digits.
	MaxTemplateHashLength = 10
	// MaxDeploymentNameLength keeps NAME-HASH, the name of the
	// Deployment's ReplicaSets, a DNS subdomain.
	MaxDeploymentNameLength = MaxDNSSubdomainLength - 1 - MaxTemplateHashLength
	// MaxStatefulSetNameLength keeps NAME-ORDINAL, the name and host name
	// of the set's pods and the value of their
	// statefulset.kubernetes.io/pod-name label, a DNS label for any
	// ordinal (as Kubernetes' limit of 52 does for its revision label).
	MaxStatefulSetNameLength = MaxDNSLabelLength - 1 - MaxTemplateHashLength
)

// deploymentNameError is dnsSubdomainError with room for the ReplicaSet
// suffix.
func deploymentNameError(s string) string {
	if msg := dnsSubdomainError(s); msg != "" {
		return msg
	}
	if len(s) > MaxDeploymentNameLength {
		return fmt.Sprintf("must be at most %d characters (got %d), so that its ReplicaSets' names (NAME-HASH) stay within %d", MaxDeploymentNameLength, len(s), MaxDNSSubdomainLength)
	}
	return ""
}

// statefulSetNameError is dnsLabelError with room for the pod ordinal.
func statefulSetNameError(s string) string {
	if msg := dnsLabelError(s); msg != "" {
		return msg
	}
	if len(s) > MaxStatefulSetNameLength {
		return fmt.Sprintf("must be at most %d characters (got %d), so that its pods' names (NAME-ORDINAL) stay DNS labels of at most %d", MaxStatefulSetNameLength, len(s), MaxDNSLabelLength)
	}
	return ""
}

// EventName names an Event about the object named object: object + "." +
// suffix (a hash of what the Event says), object shortened so the whole
// stays a DNS subdomain however long object is.
func EventName(object, suffix string) string {
	if keep := MaxDNSSubdomainLength - 1 - len(suffix); len(object) > keep {
		// Cut, then drop what may not end a label ('-' or '.').
		object = strings.TrimRight(object[:max(keep, 0)], "-.")
	}
	return object + "." + suffix
}
