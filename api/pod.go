package api

func init() {
	register(&Kind{
		Name: "Pod", APIVersion: "v1", Plural: "pods",
		Aliases: []string{"pod", "po"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &Pod{} },
	})
}

// Pod is a group of containers that run together on one node and share a
// network namespace. Controllers create pods from workload templates; users
// may also apply a bare Pod (one no controller owns), which the scheduler
// places and nothing recreates once it is deleted (see PodUpdateError for
// what an apply may change afterwards).
type Pod struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Spec is the desired state of the pod.
	Spec PodSpec `json:"spec"`
	// Status is reported by the agent of the node the pod runs on.
	Status PodStatus `json:"status,omitzero"`
}

// PodTemplateSpec is the pod a workload stamps out.
type PodTemplateSpec struct {
	// ObjectMeta holds the labels (and annotations) every pod gets; the
	// workload's selector must match the labels.
	ObjectMeta `json:"metadata"`
	// Spec is the pod spec every pod gets.
	Spec PodSpec `json:"spec"`
}

// RestartPolicy says when the agent restarts a pod's exited containers.
type RestartPolicy string

// Restart policies.
const (
	// RestartAlways restarts containers whenever they exit (the default,
	// and the only policy workloads allow).
	RestartAlways RestartPolicy = "Always"
	// RestartOnFailure restarts containers that exit non-zero.
	RestartOnFailure RestartPolicy = "OnFailure"
	// RestartNever never restarts containers.
	RestartNever RestartPolicy = "Never"
)

// PodSpec is the desired state of a pod.
type PodSpec struct {
	// InitContainers run one at a time, in order, to completion before the
	// containers start.
	InitContainers []Container `json:"initContainers,omitempty"`
	// Containers run side by side for the life of the pod; at least one.
	Containers []Container `json:"containers"`
	// RestartPolicy is Always (default), OnFailure or Never.
	RestartPolicy RestartPolicy `json:"restartPolicy,omitempty"`
	// NodeName is the node the pod is placed on; set by the scheduler.
	NodeName string `json:"nodeName,omitempty"`
	// NodeSelector restricts the pod to nodes with all these labels.
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// TerminationGracePeriodSeconds is how long containers get between
	// SIGTERM and SIGKILL (default 30).
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
	// Hostname is the pod's host name (default: the pod's name).
	Hostname string `json:"hostname,omitempty"`
	// Subdomain, with a headless service of the same name, gives the pod the
	// DNS name HOSTNAME.SUBDOMAIN.NS.svc.cluster.local.
	Subdomain string `json:"subdomain,omitempty"`
	// Volumes can be mounted by the pod's containers.
	Volumes []Volume `json:"volumes,omitempty"`
	// SecurityContext holds pod-wide security settings.
	SecurityContext *PodSecurityContext `json:"securityContext,omitempty"`

	// Scheduling (issue 12).

	// Tolerations let the pod onto nodes with matching taints (see
	// api/taint.go).
	Tolerations []Toleration `json:"tolerations,omitempty"`
	// Affinity constrains the nodes the pod may run on (see
	// api/affinity.go: nodeAffinity required terms).
	Affinity *Affinity `json:"affinity,omitempty"`
	// TopologySpreadConstraints spread matching pods over node label
	// domains (see api/topologyspread.go).
	TopologySpreadConstraints []TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`

	// DNS, host namespaces, pull secrets (issue 12, api/podfields.go).

	// DNSPolicy is where resolv.conf comes from (default ClusterFirst).
	DNSPolicy DNSPolicy `json:"dnsPolicy,omitempty"`
	// DNSConfig adds nameservers, search domains and options to the
	// policy's.
	DNSConfig *PodDNSConfig `json:"dnsConfig,omitempty"`
	// HostAliases are extra /etc/hosts lines.
	HostAliases []HostAlias `json:"hostAliases,omitempty"`
	// HostNetwork runs the pod in the node's network namespace: no pod
	// IP of its own, container ports are node ports.
	HostNetwork bool `json:"hostNetwork,omitempty"`
	// HostPID runs the pod in the node's PID namespace.
	HostPID bool `json:"hostPID,omitempty"`
	// HostIPC runs the pod in the node's IPC namespace.
	HostIPC bool `json:"hostIPC,omitempty"`
	// ImagePullSecrets name kubernetes.io/dockerconfigjson Secrets of the
	// pod's namespace whose credentials pull its images.
	ImagePullSecrets []LocalObjectReference `json:"imagePullSecrets,omitempty"`
}

// PodSecurityContext holds security settings for every container of a pod.
type PodSecurityContext struct {
	// RunAsUser is the UID container processes run as.
	RunAsUser *int64 `json:"runAsUser,omitempty"`
	// RunAsGroup is the primary GID container processes run as.
	RunAsGroup *int64 `json:"runAsGroup,omitempty"`
	// FSGroup owns the pod's volumes and is a supplementary group of every
	// container process.
	FSGroup *int64 `json:"fsGroup,omitempty"`
	// SeccompProfile is the seccomp filter of every container that sets
	// none (default RuntimeDefault).
	SeccompProfile *SeccompProfile `json:"seccompProfile,omitempty"`

	// Pod-wide process settings (issue 12, api/podfields.go).

	// RunAsNonRoot refuses to start a container that would run as root,
	// unless the container's own securityContext says otherwise.
	RunAsNonRoot *bool `json:"runAsNonRoot,omitempty"`
	// SupplementalGroups are extra groups of every container process.
	SupplementalGroups []int64 `json:"supplementalGroups,omitempty"`
	// Sysctls are set in the pod's namespaces; see SafeSysctls.
	Sysctls []Sysctl `json:"sysctls,omitempty"`
	// FSGroupChangePolicy is accepted; both policies behave the same.
	FSGroupChangePolicy *PodFSGroupChangePolicy `json:"fsGroupChangePolicy,omitempty"`
}
