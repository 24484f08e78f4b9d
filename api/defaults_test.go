package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefault(t *testing.T) {
	probe := func() *Probe { return &Probe{HTTPGet: &HTTPGetAction{Port: FromInt32(8080)}} }
	defaultedProbe := &Probe{
		HTTPGet:       &HTTPGetAction{Path: "/", Port: FromInt32(8080), Scheme: URISchemeHTTP},
		PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3,
	}
	podSpec := func() PodSpec {
		return PodSpec{Containers: []Container{{
			Name: "web", Image: "nginx:1.27",
			Ports:          []ContainerPort{{ContainerPort: 8080}},
			ReadinessProbe: probe(),
		}}}
	}
	defaultedPodSpec := PodSpec{
		Containers: []Container{{
			Name: "web", Image: "nginx:1.27", ImagePullPolicy: PullIfNotPresent,
			Ports:          []ContainerPort{{ContainerPort: 8080, Protocol: ProtocolTCP}},
			ReadinessProbe: defaultedProbe,
		}},
		RestartPolicy:                 RestartAlways,
		TerminationGracePeriodSeconds: ptr(int64(30)),
	}
	tests := []struct {
		name string
		in   Object
		want Object
	}{
		{
			name: "deployment",
			in:   &Deployment{ObjectMeta: ObjectMeta{Name: "web"}, Spec: DeploymentSpec{Template: PodTemplateSpec{Spec: podSpec()}}},
			want: &Deployment{
				TypeMeta:   TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
				ObjectMeta: ObjectMeta{Name: "web", Namespace: "default"},
				Spec: DeploymentSpec{
					Replicas: ptr(int32(1)),
					Template: PodTemplateSpec{Spec: defaultedPodSpec},
					Strategy: DeploymentStrategy{
						Type:          RollingUpdateDeploymentStrategyType,
						RollingUpdate: &RollingUpdateDeployment{MaxUnavailable: ptr(FromString("25%")), MaxSurge: ptr(FromString("25%"))},
					},
					RevisionHistoryLimit:    ptr(int32(10)),
					ProgressDeadlineSeconds: ptr(int32(600)),
				},
			},
		},
		{
			name: "deployment keeps what is set",
			in: &Deployment{
				ObjectMeta: ObjectMeta{Name: "web", Namespace: "prod"},
				Spec: DeploymentSpec{
					Replicas: ptr(int32(0)),
					Strategy: DeploymentStrategy{Type: RecreateDeploymentStrategyType},
					Template: PodTemplateSpec{Spec: PodSpec{
						RestartPolicy:                 RestartNever,
						TerminationGracePeriodSeconds: ptr(int64(0)),
						Containers:                    []Container{{Name: "c", Image: "app", ImagePullPolicy: PullNever}},
					}},
					RevisionHistoryLimit:    ptr(int32(0)),
					ProgressDeadlineSeconds: ptr(int32(60)),
				},
			},
			want: &Deployment{
				TypeMeta:   TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
				ObjectMeta: ObjectMeta{Name: "web", Namespace: "prod"},
				Spec: DeploymentSpec{
					Replicas: ptr(int32(0)),
					Strategy: DeploymentStrategy{Type: RecreateDeploymentStrategyType},
					Template: PodTemplateSpec{Spec: PodSpec{
						RestartPolicy:                 RestartNever,
						TerminationGracePeriodSeconds: ptr(int64(0)),
						Containers:                    []Container{{Name: "c", Image: "app", ImagePullPolicy: PullNever}},
					}},
					RevisionHistoryLimit:    ptr(int32(0)),
					ProgressDeadlineSeconds: ptr(int32(60)),
				},
			},
		},
		{
			name: "statefulset",
			in:   &StatefulSet{ObjectMeta: ObjectMeta{Name: "db"}, Spec: StatefulSetSpec{Template: PodTemplateSpec{Spec: podSpec()}}},
			want: &StatefulSet{
				TypeMeta:   TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
				ObjectMeta: ObjectMeta{Name: "db", Namespace: "default"},
				Spec: StatefulSetSpec{
					Replicas:            ptr(int32(1)),
					Template:            PodTemplateSpec{Spec: defaultedPodSpec},
					PodManagementPolicy: OrderedReadyPodManagement,
					UpdateStrategy: StatefulSetUpdateStrategy{
						Type:          RollingUpdateStatefulSetStrategyType,
						RollingUpdate: &RollingUpdateStatefulSetStrategy{Partition: ptr(int32(0))},
					},
					RevisionHistoryLimit: ptr(int32(10)),
				},
			},
		},
		{
			name: "daemonset",
			in:   &DaemonSet{ObjectMeta: ObjectMeta{Name: "ds"}, Spec: DaemonSetSpec{Template: PodTemplateSpec{Spec: podSpec()}}},
			want: &DaemonSet{
				TypeMeta:   TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
				ObjectMeta: ObjectMeta{Name: "ds", Namespace: "default"},
				Spec: DaemonSetSpec{
					Template: PodTemplateSpec{Spec: defaultedPodSpec},
					UpdateStrategy: DaemonSetUpdateStrategy{
						Type:          RollingUpdateDaemonSetStrategyType,
						RollingUpdate: &RollingUpdateDaemonSet{MaxUnavailable: ptr(FromInt32(1)), MaxSurge: ptr(FromInt32(0))},
					},
					RevisionHistoryLimit: ptr(int32(10)),
				},
			},
		},
		{
			name: "daemonset surge without maxUnavailable",
			in: &DaemonSet{ObjectMeta: ObjectMeta{Name: "ds"}, Spec: DaemonSetSpec{
				UpdateStrategy: DaemonSetUpdateStrategy{RollingUpdate: &RollingUpdateDaemonSet{MaxSurge: ptr(FromString("10%"))}},
				Template:       PodTemplateSpec{Spec: podSpec()},
			}},
			want: &DaemonSet{
				TypeMeta:   TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
				ObjectMeta: ObjectMeta{Name: "ds", Namespace: "default"},
				Spec: DaemonSetSpec{
					Template: PodTemplateSpec{Spec: defaultedPodSpec},
					UpdateStrategy: DaemonSetUpdateStrategy{
						Type:          RollingUpdateDaemonSetStrategyType,
						RollingUpdate: &RollingUpdateDaemonSet{MaxUnavailable: ptr(FromInt32(0)), MaxSurge: ptr(FromString("10%"))},
					},
					RevisionHistoryLimit: ptr(int32(10)),
				},
			},
		},
		{
			name: "service",
			in: &Service{ObjectMeta: ObjectMeta{Name: "web"}, Spec: ServiceSpec{
				ClusterIP: "10.43.0.10",
				Ports:     []ServicePort{{Port: 80}, {Port: 443, TargetPort: FromString("https"), Protocol: ProtocolUDP}},
			}},
			want: &Service{
				TypeMeta:   TypeMeta{APIVersion: "v1", Kind: "Service"},
				ObjectMeta: ObjectMeta{Name: "web", Namespace: "default"},
				Spec: ServiceSpec{
					Type:            ServiceTypeClusterIP,
					SessionAffinity: SessionAffinityNone, InternalTrafficPolicy: TrafficPolicyCluster,
					ClusterIP:  "10.43.0.10",
					ClusterIPs: []string{"10.43.0.10"},
					Ports: []ServicePort{
						{Port: 80, TargetPort: FromInt32(80), Protocol: ProtocolTCP},
						{Port: 443, TargetPort: FromString("https"), Protocol: ProtocolUDP},
					},
				},
			},
		},
		{
			name: "headless service",
			in:   &Service{ObjectMeta: ObjectMeta{Name: "db"}, Spec: ServiceSpec{ClusterIP: ClusterIPNone}},
			want: &Service{
				TypeMeta:   TypeMeta{APIVersion: "v1", Kind: "Service"},
				ObjectMeta: ObjectMeta{Name: "db", Namespace: "default"},
				Spec:       ServiceSpec{Type: ServiceTypeClusterIP, SessionAffinity: SessionAffinityNone, InternalTrafficPolicy: TrafficPolicyCluster, ClusterIP: ClusterIPNone, ClusterIPs: []string{ClusterIPNone}},
			},
		},
		{
			name: "secret stringData folded into data",
			in: &Secret{
				ObjectMeta: ObjectMeta{Name: "s"},
				Data:       map[string][]byte{"a": []byte("old"), "b": []byte("kept")},
				StringData: map[string]string{"a": "new", "c": "added"},
			},
			want: &Secret{
				TypeMeta:   TypeMeta{APIVersion: "v1", Kind: "Secret"},
				ObjectMeta: ObjectMeta{Name: "s", Namespace: "default"},
				Type:       SecretTypeOpaque,
				Data:       map[string][]byte{"a": []byte("new"), "b": []byte("kept"), "c": []byte("added")},
			},
		},
		{
			name: "secret stringData only",
			in:   &Secret{ObjectMeta: ObjectMeta{Name: "s"}, Type: SecretTypeTLS, StringData: map[string]string{"tls.crt": "c", "tls.key": "k"}},
			want: &Secret{
				TypeMeta:   TypeMeta{APIVersion: "v1", Kind: "Secret"},
				ObjectMeta: ObjectMeta{Name: "s", Namespace: "default"},
				Type:       SecretTypeTLS,
				Data:       map[string][]byte{"tls.crt": []byte("c"), "tls.key": []byte("k")},
			},
		},
		{
			name: "pod volumes",
			in: &Pod{ObjectMeta: ObjectMeta{Name: "p"}, Spec: PodSpec{
				Containers: []Container{{Name: "c", Image: "app:latest"}},
				Volumes:    []Volume{{Name: "c", ConfigMap: &ConfigMapVolumeSource{Name: "c"}}, {Name: "s", Secret: &SecretVolumeSource{SecretName: "s", DefaultMode: ptr(int32(0o400))}}},
			}},
			want: &Pod{
				TypeMeta:   TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: ObjectMeta{Name: "p", Namespace: "default"},
				Spec: PodSpec{
					Containers:                    []Container{{Name: "c", Image: "app:latest", ImagePullPolicy: PullAlways}},
					Volumes:                       []Volume{{Name: "c", ConfigMap: &ConfigMapVolumeSource{Name: "c", DefaultMode: ptr(int32(0o644))}}, {Name: "s", Secret: &SecretVolumeSource{SecretName: "s", DefaultMode: ptr(int32(0o400))}}},
					RestartPolicy:                 RestartAlways,
					TerminationGracePeriodSeconds: ptr(int64(30)),
				},
			},
		},
		{
			name: "cluster-scoped kinds get no namespace",
			in:   &Node{ObjectMeta: ObjectMeta{Name: "n"}},
			want: &Node{TypeMeta: TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: ObjectMeta{Name: "n"}},
		},
		{
			name: "namespace",
			in:   &Namespace{ObjectMeta: ObjectMeta{Name: "n"}},
			want: &Namespace{TypeMeta: TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: ObjectMeta{Name: "n"}},
		},
		{
			name: "wrong kind is left for Validate to report",
			in:   &ConfigMap{TypeMeta: TypeMeta{Kind: "Secret"}, ObjectMeta: ObjectMeta{Name: "c"}},
			want: &ConfigMap{TypeMeta: TypeMeta{Kind: "Secret"}, ObjectMeta: ObjectMeta{Name: "c", Namespace: "default"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.in)
			if diff := cmp.Diff(tt.want, tt.in); diff != "" {
				t.Errorf("Default mismatch (-want +got):\n%s", diff)
			}
			Default(tt.in)
			if diff := cmp.Diff(tt.want, tt.in); diff != "" {
				t.Errorf("Default is not idempotent (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestDefaultPullPolicy(t *testing.T) {
	tests := []struct {
		image string
		want  PullPolicy
	}{
		{"nginx", PullAlways},
		{"nginx:latest", PullAlways},
		{"nginx:1.27", PullIfNotPresent},
		{"registry.local:5000/app", PullAlways},
		{"registry.local:5000/app:v1", PullIfNotPresent},
		{"registry.local:5000/app:latest", PullAlways},
		{"app@sha256:4cb2b9019f1c", PullIfNotPresent},
		{"app:latest@sha256:4cb2b9019f1c", PullIfNotPresent},
		{"", PullAlways},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := defaultPullPolicy(tt.image); got != tt.want {
				t.Errorf("defaultPullPolicy(%q) = %s, want %s", tt.image, got, tt.want)
			}
		})
	}
}
