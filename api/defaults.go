package api

import (
	"math"
	"reflect"
	"strings"
	"time"
)

// Defaults Shoal fills in, as Kubernetes does.
const (
	// DefaultTerminationGracePeriodSeconds is the time between SIGTERM and
	// SIGKILL.
	DefaultTerminationGracePeriodSeconds = 30
	// DefaultRevisionHistoryLimit is how many old revisions workloads keep.
	DefaultRevisionHistoryLimit = 10
	// DefaultProgressDeadlineSeconds is how long a rollout may stall.
	DefaultProgressDeadlineSeconds = 600
	// DefaultFileMode is the mode of ConfigMap and Secret volume files (0644).
	DefaultFileMode = 0o644
	// MaxGracePeriodSeconds is the longest grace period, about 292 years:
	// the most seconds a time.Duration holds. A longer one would overflow
	// to a negative duration, a deadline in the past and an immediate kill.
	MaxGracePeriodSeconds = int64(math.MaxInt64 / int64(time.Second))
)

// Default fills in the fields a manifest may leave out: apiVersion and kind
// (from the Go type), namespace "default" for namespaced kinds, replicas 1,
// update strategies, service port protocol and target port, pod restart
// policy, grace period, image pull policy and probe timings, and folds a
// Secret's stringData into data. Fields already set are kept. Default is
// idempotent and tolerates nil pointers and maps anywhere.
func Default(obj Object) {
	if v := reflect.ValueOf(obj); obj == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		return
	}
	if k, ok := kindOfType(obj); ok {
		tm := obj.GetTypeMeta()
		if tm.Kind == "" {
			tm.Kind = k.Name
		}
		if tm.APIVersion == "" && tm.Kind == k.Name {
			tm.APIVersion = k.APIVersion
		}
		if m := obj.GetObjectMeta(); k.Namespaced && m.Namespace == "" {
			m.Namespace = DefaultNamespace
		}
	}
	switch o := obj.(type) {
	case *Pod:
		defaultPodSpec(&o.Spec)
	case *Deployment:
		defaultDeployment(&o.Spec)
	case *ReplicaSet:
		defaultPodSpec(&o.Spec.Template.Spec)
	case *StatefulSet:
		defaultStatefulSet(&o.Spec)
	case *DaemonSet:
		defaultDaemonSet(&o.Spec)
	case *Job:
		defaultJobSpec(&o.Spec)
	case *CronJob:
		defaultCronJobSpec(&o.Spec)
	case *Service:
		defaultService(&o.Spec)
	case *Secret:
		defaultSecret(o)
	}
}

func ptr[T any](v T) *T { return &v }

func defaultPodSpec(s *PodSpec) {
	if s.RestartPolicy == "" {
		s.RestartPolicy = RestartAlways
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = ptr(int64(DefaultTerminationGracePeriodSeconds))
	}
	for i := range s.InitContainers {
		defaultContainer(&s.InitContainers[i])
	}
	for i := range s.Containers {
		defaultContainer(&s.Containers[i])
	}
	defaultHostNetworkPorts(s)
	for i := range s.Volumes {
		v := &s.Volumes[i]
		if v.ConfigMap != nil && v.ConfigMap.DefaultMode == nil {
			v.ConfigMap.DefaultMode = ptr(int32(DefaultFileMode))
		}
		if v.Secret != nil && v.Secret.DefaultMode == nil {
			v.Secret.DefaultMode = ptr(int32(DefaultFileMode))
		}
	}
}

func defaultContainer(c *Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = defaultPullPolicy(c.Image)
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = ProtocolTCP
		}
	}
	for _, p := range []*Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		defaultProbe(p)
	}
}

// defaultPullPolicy is Always for ":latest" or untagged images and
// IfNotPresent for tagged or digest-pinned ones.
func defaultPullPolicy(image string) PullPolicy {
	if strings.Contains(image, "@") {
		return PullIfNotPresent
	}
	name := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(name, ":")
	if i < 0 || name[i+1:] == "latest" {
		return PullAlways
	}
	return PullIfNotPresent
}

func defaultProbe(p *Probe) {
	if p == nil {
		return
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	if h := p.HTTPGet; h != nil {
		if h.Path == "" {
			h.Path = "/"
		}
		if h.Scheme == "" {
			h.Scheme = URISchemeHTTP
		}
	}
}

func defaultDeployment(s *DeploymentSpec) {
	if s.Replicas == nil {
		s.Replicas = ptr(int32(1))
	}
	if s.Strategy.Type == "" {
		s.Strategy.Type = RollingUpdateDeploymentStrategyType
	}
	if s.Strategy.Type == RollingUpdateDeploymentStrategyType {
		if s.Strategy.RollingUpdate == nil {
			s.Strategy.RollingUpdate = &RollingUpdateDeployment{}
		}
		ru := s.Strategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptr(FromString("25%"))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = ptr(FromString("25%"))
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr(int32(DefaultRevisionHistoryLimit))
	}
	if s.ProgressDeadlineSeconds == nil {
		s.ProgressDeadlineSeconds = ptr(int32(DefaultProgressDeadlineSeconds))
	}
	defaultPodSpec(&s.Template.Spec)
}

func defaultStatefulSet(s *StatefulSetSpec) {
	if s.Replicas == nil {
		s.Replicas = ptr(int32(1))
	}
	if s.PodManagementPolicy == "" {
		s.PodManagementPolicy = OrderedReadyPodManagement
	}
	if s.UpdateStrategy.Type == "" {
		s.UpdateStrategy.Type = RollingUpdateStatefulSetStrategyType
	}
	if s.UpdateStrategy.Type == RollingUpdateStatefulSetStrategyType {
		if s.UpdateStrategy.RollingUpdate == nil {
			s.UpdateStrategy.RollingUpdate = &RollingUpdateStatefulSetStrategy{}
		}
		if s.UpdateStrategy.RollingUpdate.Partition == nil {
			s.UpdateStrategy.RollingUpdate.Partition = ptr(int32(0))
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr(int32(DefaultRevisionHistoryLimit))
	}
	defaultPodSpec(&s.Template.Spec)
}

func defaultDaemonSet(s *DaemonSetSpec) {
	if s.UpdateStrategy.Type == "" {
		s.UpdateStrategy.Type = RollingUpdateDaemonSetStrategyType
	}
	if s.UpdateStrategy.Type == RollingUpdateDaemonSetStrategyType {
		if s.UpdateStrategy.RollingUpdate == nil {
			s.UpdateStrategy.RollingUpdate = &RollingUpdateDaemonSet{}
		}
		ru := s.UpdateStrategy.RollingUpdate
		if ru.MaxSurge == nil {
			ru.MaxSurge = ptr(FromInt32(0))
		}
		if ru.MaxUnavailable == nil {
			// A surge needs no unavailability; otherwise one node at a time.
			if ru.MaxSurge.IsZero() || ru.MaxSurge.String() == "0%" {
				ru.MaxUnavailable = ptr(FromInt32(1))
			} else {
				ru.MaxUnavailable = ptr(FromInt32(0))
			}
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr(int32(DefaultRevisionHistoryLimit))
	}
	defaultPodSpec(&s.Template.Spec)
}

func defaultService(s *ServiceSpec) {
	if s.Type == "" {
		s.Type = ServiceTypeClusterIP
	}
	if s.SessionAffinity == "" {
		s.SessionAffinity = SessionAffinityNone
	}
	if s.SessionAffinity == SessionAffinityClientIP {
		if s.SessionAffinityConfig == nil {
			s.SessionAffinityConfig = &SessionAffinityConfig{}
		}
		if s.SessionAffinityConfig.ClientIP == nil {
			s.SessionAffinityConfig.ClientIP = &ClientIPConfig{}
		}
		if s.SessionAffinityConfig.ClientIP.TimeoutSeconds == nil {
			s.SessionAffinityConfig.ClientIP.TimeoutSeconds = ptr(int32(DefaultClientIPTimeoutSeconds))
		}
	}
	if s.Type != ServiceTypeExternalName && s.InternalTrafficPolicy == "" {
		s.InternalTrafficPolicy = TrafficPolicyCluster
	}
	if (s.Type == ServiceTypeNodePort || s.Type == ServiceTypeLoadBalancer || len(s.ExternalIPs) > 0) && s.ExternalTrafficPolicy == "" {
		s.ExternalTrafficPolicy = TrafficPolicyCluster
	}
	if s.ClusterIP != "" && len(s.ClusterIPs) == 0 {
		s.ClusterIPs = []string{s.ClusterIP}
	}
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Protocol == "" {
			p.Protocol = ProtocolTCP
		}
		if p.TargetPort.IsZero() {
			p.TargetPort = FromInt32(p.Port)
		}
	}
}

func defaultSecret(s *Secret) {
	if s.Type == "" {
		s.Type = SecretTypeOpaque
	}
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}
