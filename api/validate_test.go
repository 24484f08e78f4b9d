package api

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func validPodSpec() PodSpec {
	return PodSpec{
		Containers: []Container{{
			Name:  "web",
			Image: "nginx:1.27",
			Ports: []ContainerPort{{Name: "http", ContainerPort: 8080}},
			Resources: ResourceRequirements{
				Requests: ResourceList{ResourceCPU: MustParseQuantity("250m"), ResourceMemory: MustParseQuantity("64Mi")},
				Limits:   ResourceList{ResourceCPU: MustParseQuantity("1"), ResourceMemory: MustParseQuantity("128Mi")},
			},
			VolumeMounts: []VolumeMount{{Name: "cache", MountPath: "/cache"}},
			LivenessProbe: &Probe{
				HTTPGet: &HTTPGetAction{Path: "/healthz", Port: FromString("http")},
			},
		}},
		Volumes: []Volume{{Name: "cache", EmptyDir: &EmptyDirVolumeSource{}}},
	}
}

func validTemplate() PodTemplateSpec {
	return PodTemplateSpec{ObjectMeta: ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: validPodSpec()}
}

func validDeployment() *Deployment {
	return &Deployment{
		ObjectMeta: ObjectMeta{Name: "web"},
		Spec: DeploymentSpec{
			Replicas: ptr(int32(2)),
			Selector: &LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: validTemplate(),
		},
	}
}

func validStatefulSet() *StatefulSet {
	ss := &StatefulSet{
		ObjectMeta: ObjectMeta{Name: "db"},
		Spec: StatefulSetSpec{
			ServiceName: "db",
			Selector:    &LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template:    validTemplate(),
			VolumeClaimTemplates: []PersistentVolumeClaim{{
				ObjectMeta: ObjectMeta{Name: "data"},
				Spec: PersistentVolumeClaimSpec{
					AccessModes: []PersistentVolumeAccessMode{ReadWriteOnce},
					Resources:   VolumeResourceRequirements{Requests: ResourceList{ResourceStorage: MustParseQuantity("1Gi")}},
				},
			}},
		},
	}
	c := &ss.Spec.Template.Spec.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, VolumeMount{Name: "data", MountPath: "/data"})
	return ss
}

func validDaemonSet() *DaemonSet {
	return &DaemonSet{
		ObjectMeta: ObjectMeta{Name: "agent"},
		Spec: DaemonSetSpec{
			Selector: &LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: validTemplate(),
		},
	}
}

func validService() *Service {
	return &Service{
		ObjectMeta: ObjectMeta{Name: "web"},
		Spec: ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []ServicePort{{Name: "http", Port: 80, TargetPort: FromString("http")}, {Name: "https", Port: 443}},
		},
	}
}

func validIngress() *Ingress {
	prefix := PathTypePrefix
	return &Ingress{
		ObjectMeta: ObjectMeta{Name: "web"},
		Spec: IngressSpec{
			Rules: []IngressRule{{
				Host: "app.example.com",
				HTTP: &HTTPIngressRuleValue{Paths: []HTTPIngressPath{{
					Path: "/", PathType: &prefix,
					Backend: IngressBackend{Service: &IngressServiceBackend{Name: "web", Port: ServiceBackendPort{Number: 80}}},
				}}},
			}},
		},
	}
}

func validIngressClass() *IngressClass {
	return &IngressClass{ObjectMeta: ObjectMeta{Name: "shoal"}, Spec: IngressClassSpec{Controller: IngressController}}
}

func validNode() *Node {
	return &Node{
		ObjectMeta: ObjectMeta{Name: "node-1"},
		Spec:       NodeSpec{PodCIDR: "10.42.1.0/24"},
		Status: NodeStatus{
			Capacity:   ResourceList{ResourceCPU: MustParseQuantity("2"), ResourcePods: MustParseQuantity("110")},
			Conditions: []NodeCondition{{Type: NodeReady, Status: ConditionTrue}},
			Addresses:  []NodeAddress{{Type: NodeInternalIP, Address: "10.0.0.1"}, {Type: NodeHostname, Address: "node-1"}},
		},
	}
}

func validPod() *Pod {
	return &Pod{ObjectMeta: ObjectMeta{Name: "web-1"}, Spec: validPodSpec()}
}

// with returns base() changed by f, for table tests.
func with[T Object](base func() T, f func(T)) Object {
	o := base()
	f(o)
	return o
}

func firstContainer(d *Deployment) *Container { return &d.Spec.Template.Spec.Containers[0] }

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		obj  Object
		want []string // each must be one of the FieldErrors; none means valid
	}{
		// Valid objects of every kind.
		{"valid deployment", validDeployment(), nil},
		{"valid statefulset mounting a claim template", validStatefulSet(), nil},
		{"valid daemonset", validDaemonSet(), nil},
		{"valid service", validService(), nil},
		{"valid headless service without ports", with(validService, func(s *Service) { s.Spec.ClusterIP = ClusterIPNone; s.Spec.Ports = nil }), nil},
		{"valid ingress", validIngress(), nil},
		{"valid wildcard ingress host", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].Host = "*.example.com" }), nil},
		{"valid node", validNode(), nil},
		{"valid pod with restartPolicy Never", with(validPod, func(p *Pod) { p.Spec.RestartPolicy = RestartNever }), nil},
		{"valid namespace", &Namespace{ObjectMeta: ObjectMeta{Name: "prod"}}, nil},
		{"valid configmap", &ConfigMap{ObjectMeta: ObjectMeta{Name: "c"}, Data: map[string]string{"app.yaml": "x", "KEY_1": "y"}}, nil},
		{"valid tls secret", &Secret{ObjectMeta: ObjectMeta{Name: "s"}, Type: SecretTypeTLS, Data: map[string][]byte{"tls.crt": nil, "tls.key": nil}}, nil},

		// Metadata.
		{"name required", with(validDeployment, func(d *Deployment) { d.Name = "" }), []string{"metadata.name: required"}},
		{"name uppercase", with(validDeployment, func(d *Deployment) { d.Name = "Web" }), []string{`metadata.name: invalid value "Web": must be a DNS subdomain`}},
		{"name too long", with(validDeployment, func(d *Deployment) { d.Name = strings.Repeat("a", 254) }), []string{`must be a DNS subdomain: at most 253`}},
		{"name starts with dash", with(validDeployment, func(d *Deployment) { d.Name = "-web" }), []string{`metadata.name: invalid value "-web"`}},
		{"subdomain name with dots", with(validDeployment, func(d *Deployment) { d.Name = "web.v2" }), nil},
		{"statefulset name is a DNS label", with(validStatefulSet, func(s *StatefulSet) { s.Name = "db.v2" }), []string{`metadata.name: invalid value "db.v2": must be a DNS label`}},
		{"service name starts with a letter", with(validService, func(s *Service) { s.Name = "1web" }), []string{`metadata.name: invalid value "1web": must be a DNS label that starts with a letter`}},
		{"namespace name is a DNS label", &Namespace{ObjectMeta: ObjectMeta{Name: "a.b"}}, []string{`metadata.name: invalid value "a.b": must be a DNS label`}},
		{"namespace invalid", with(validDeployment, func(d *Deployment) { d.Namespace = "Prod" }), []string{`metadata.namespace: invalid value "Prod": must be a DNS label`}},
		{"namespace on cluster-scoped kind", &Namespace{ObjectMeta: ObjectMeta{Name: "a", Namespace: "b"}}, []string{"metadata.namespace: must be empty: Namespace is not namespaced"}},
		{"label key invalid", with(validDeployment, func(d *Deployment) { d.Labels = map[string]string{"a b": "c"} }), []string{`metadata.labels: invalid key "a b"`}},
		{"label key prefix invalid", with(validDeployment, func(d *Deployment) { d.Labels = map[string]string{"Example.com/a": "c"} }), []string{`metadata.labels: invalid key "Example.com/a": prefix before '/' must be a DNS subdomain`}},
		{"label value too long", with(validDeployment, func(d *Deployment) { d.Labels = map[string]string{"a": strings.Repeat("x", 64)} }), []string{`metadata.labels[a]: invalid value "xxxx`}},
		{"label value charset", with(validDeployment, func(d *Deployment) { d.Labels = map[string]string{"a": "x y"} }), []string{`metadata.labels[a]: invalid value "x y": must be at most 63 letters, digits, '-', '_' and '.'`}},
		{"label value empty ok", with(validDeployment, func(d *Deployment) { d.Labels = map[string]string{"a": ""} }), nil},
		{"annotation key invalid", with(validDeployment, func(d *Deployment) { d.Annotations = map[string]string{"/x": "y"} }), []string{`metadata.annotations: invalid key "/x"`}},
		{"owner reference incomplete", with(validDeployment, func(d *Deployment) { d.OwnerReferences = []OwnerReference{{Kind: "X", Name: "x"}} }), []string{"metadata.ownerReferences[0].apiVersion: required", "metadata.ownerReferences[0].uid: required"}},
		{"kind does not match type", with(validDeployment, func(d *Deployment) { d.Kind = "Service" }), []string{`kind: got "Service", want "Deployment"`}},
		{"apiVersion does not match kind", with(validDeployment, func(d *Deployment) { d.APIVersion = "v1" }), []string{`apiVersion: got "v1", want "apps/v1" for kind Deployment`}},

		// Workload selectors and replicas.
		{"negative replicas", with(validDeployment, func(d *Deployment) { d.Spec.Replicas = ptr(int32(-1)) }), []string{"spec.replicas: must be at least 0, got -1"}},
		{"zero replicas ok", with(validDeployment, func(d *Deployment) { d.Spec.Replicas = ptr(int32(0)) }), nil},
		{"selector missing", with(validDeployment, func(d *Deployment) { d.Spec.Selector = nil }), []string{"spec.selector: required"}},
		{"selector empty", with(validDeployment, func(d *Deployment) { d.Spec.Selector = &LabelSelector{} }), []string{"spec.selector: required"}},
		{"selector mismatch", with(validDeployment, func(d *Deployment) { d.Spec.Template.Labels = map[string]string{"app": "other"} }), []string{"spec.selector: does not match template labels"}},
		{"selector expression matches", with(validDeployment, func(d *Deployment) {
			d.Spec.Selector = &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: SelectorOpIn, Values: []string{"web", "api"}}}}
		}), nil},
		{"selector bad operator", with(validDeployment, func(d *Deployment) {
			d.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "app", Operator: "Like"}}
		}), []string{`spec.selector.matchExpressions[0].operator: unknown operator "Like"`}},
		{"selector In without values", with(validDeployment, func(d *Deployment) {
			d.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "app", Operator: SelectorOpIn}}
		}), []string{"spec.selector.matchExpressions[0].values: required for operator In"}},
		{"selector Exists with values", with(validDeployment, func(d *Deployment) {
			d.Spec.Selector.MatchExpressions = []LabelSelectorRequirement{{Key: "app", Operator: SelectorOpExists, Values: []string{"x"}}}
		}), []string{"spec.selector.matchExpressions[0].values: must be empty for operator Exists"}},
		{"template label invalid", with(validDeployment, func(d *Deployment) { d.Spec.Template.Labels["bad key"] = "x" }), []string{`spec.template.metadata.labels: invalid key "bad key"`}},

		// Containers.
		{"no containers", with(validDeployment, func(d *Deployment) { d.Spec.Template.Spec.Containers = nil }), []string{"spec.template.spec.containers: required: at least one container"}},
		{"image required", with(validDeployment, func(d *Deployment) { firstContainer(d).Image = "" }), []string{"spec.template.spec.containers[0].image: required"}},
		{"image with space", with(validDeployment, func(d *Deployment) { firstContainer(d).Image = "nginx 1" }), []string{`spec.template.spec.containers[0].image: invalid value "nginx 1": may not contain whitespace`}},
		{"container name required", with(validDeployment, func(d *Deployment) { firstContainer(d).Name = "" }), []string{"spec.template.spec.containers[0].name: required"}},
		{"container name invalid", with(validDeployment, func(d *Deployment) { firstContainer(d).Name = "Web_1" }), []string{`spec.template.spec.containers[0].name: invalid value "Web_1": must be a DNS label`}},
		{"container names unique across init containers", with(validDeployment, func(d *Deployment) {
			d.Spec.Template.Spec.InitContainers = []Container{{Name: "web", Image: "busybox"}}
		}), []string{`spec.template.spec.containers[0].name: duplicate container name "web"`}},
		{"pull policy unknown", with(validDeployment, func(d *Deployment) { firstContainer(d).ImagePullPolicy = "Sometimes" }), []string{`spec.template.spec.containers[0].imagePullPolicy: unknown policy "Sometimes"`}},
		{"container port zero", with(validDeployment, func(d *Deployment) { firstContainer(d).Ports[0].ContainerPort = 0 }), []string{"spec.template.spec.containers[0].ports[0].containerPort: must be 1-65535, got 0"}},
		{"container port too high", with(validDeployment, func(d *Deployment) { firstContainer(d).Ports[0].ContainerPort = 65536 }), []string{"containerPort: must be 1-65535, got 65536"}},
		{"host port negative", with(validDeployment, func(d *Deployment) { firstContainer(d).Ports[0].HostPort = -1 }), []string{"spec.template.spec.containers[0].ports[0].hostPort: must be 0-65535, got -1"}},
		{"host port too high", with(validDeployment, func(d *Deployment) { firstContainer(d).Ports[0].HostPort = 70000 }), []string{"hostPort: must be 0-65535, got 70000"}},
		{"host port twice", with(validDeployment, func(d *Deployment) {
			firstContainer(d).Ports = []ContainerPort{{ContainerPort: 80, HostPort: 80}, {ContainerPort: 81, HostPort: 80}}
		}), []string{"spec.template.spec.containers[0].ports[1].hostPort: duplicate host port TCP/80"}},
		{"protocol unknown", with(validDeployment, func(d *Deployment) { firstContainer(d).Ports[0].Protocol = "ICMP" }), []string{`ports[0].protocol: unknown protocol "ICMP" (want TCP, UDP or SCTP)`}},
		{"port name too long", with(validDeployment, func(d *Deployment) { firstContainer(d).Ports[0].Name = "metrics-endpoint" }), []string{`ports[0].name: invalid value "metrics-endpoint": must be a port name`}},
		{"port name duplicate", with(validDeployment, func(d *Deployment) {
			firstContainer(d).Ports = append(firstContainer(d).Ports, ContainerPort{Name: "http", ContainerPort: 9090})
		}), []string{`ports[1].name: duplicate port name "http"`}},
		{"unknown resource", with(validDeployment, func(d *Deployment) { firstContainer(d).Resources.Limits["nvidia.com/gpu"] = MustParseQuantity("1") }), []string{`resources.limits[nvidia.com/gpu]: unknown resource "nvidia.com/gpu"`}},
		{"negative resource", with(validDeployment, func(d *Deployment) { firstContainer(d).Resources.Requests[ResourceCPU] = MustParseQuantity("-1") }), []string{"resources.requests[cpu]: must not be negative, got -1"}},
		{"requests above limits", with(validDeployment, func(d *Deployment) { firstContainer(d).Resources.Requests[ResourceCPU] = MustParseQuantity("2") }), []string{"spec.template.spec.containers[0].resources.requests[cpu]: 2 is more than the limit 1"}},
		{"requests without limits ok", with(validDeployment, func(d *Deployment) { firstContainer(d).Resources.Limits = nil }), nil},
		{"env name with equals", with(validDeployment, func(d *Deployment) { firstContainer(d).Env = []EnvVar{{Name: "A=B"}} }), []string{`env[0].name: invalid value "A=B": may not contain '='`}},
		{"env value and valueFrom", with(validDeployment, func(d *Deployment) {
			firstContainer(d).Env = []EnvVar{{Name: "A", Value: "x", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: "metadata.name"}}}}
		}), []string{"env[0].valueFrom: may not be set together with value"}},
		{"env valueFrom two sources", with(validDeployment, func(d *Deployment) {
			firstContainer(d).Env = []EnvVar{{Name: "A", ValueFrom: &EnvVarSource{ConfigMapKeyRef: &KeySelector{Name: "c", Key: "k"}, SecretKeyRef: &KeySelector{Name: "s", Key: "k"}}}}
		}), []string{"env[0].valueFrom: must have exactly one of configMapKeyRef, secretKeyRef or fieldRef"}},
		{"env valueFrom empty", with(validDeployment, func(d *Deployment) { firstContainer(d).Env = []EnvVar{{Name: "A", ValueFrom: &EnvVarSource{}}} }), []string{"env[0].valueFrom: must have exactly one of"}},
		{"env configMapKeyRef incomplete", with(validDeployment, func(d *Deployment) {
			firstContainer(d).Env = []EnvVar{{Name: "A", ValueFrom: &EnvVarSource{ConfigMapKeyRef: &KeySelector{}}}}
		}), []string{"env[0].valueFrom.configMapKeyRef.name: required", "env[0].valueFrom.configMapKeyRef.key: required"}},
		{"env fieldRef unsupported", with(validDeployment, func(d *Deployment) {
			firstContainer(d).Env = []EnvVar{{Name: "A", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: "spec.serviceAccountName"}}}}
		}), []string{`env[0].valueFrom.fieldRef.fieldPath: invalid value "spec.serviceAccountName": unsupported field`}},
		{"env fieldRef label ok", with(validDeployment, func(d *Deployment) {
			firstContainer(d).Env = []EnvVar{{Name: "A", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: "metadata.labels['app.kubernetes.io/name']"}}}}
		}), nil},
		{"security context", with(validDeployment, func(d *Deployment) {
			firstContainer(d).SecurityContext = &SecurityContext{RunAsUser: ptr(int64(-1)), Privileged: ptr(true), AllowPrivilegeEscalation: ptr(false), Capabilities: &Capabilities{Add: []string{""}}}
			d.Spec.Template.Spec.SecurityContext = &PodSecurityContext{FSGroup: ptr(int64(-5))}
		}), []string{
			"containers[0].securityContext.runAsUser: must be at least 0, got -1",
			"containers[0].securityContext.allowPrivilegeEscalation: may not be false when privileged is true",
			`containers[0].securityContext.capabilities.add[0]: invalid value ""`,
			"spec.template.spec.securityContext.fsGroup: must be at least 0, got -5",
		}},

		// Volumes and mounts.
		{"mount of undeclared volume", with(validDeployment, func(d *Deployment) { firstContainer(d).VolumeMounts[0].Name = "data" }), []string{`spec.template.spec.containers[0].volumeMounts[0].name: volume "data" not found in spec.template.spec.volumes`}},
		{"mount path relative", with(validDeployment, func(d *Deployment) { firstContainer(d).VolumeMounts[0].MountPath = "cache" }), []string{`volumeMounts[0].mountPath: invalid value "cache": must be an absolute path`}},
		{"mount path twice", with(validDeployment, func(d *Deployment) {
			firstContainer(d).VolumeMounts = append(firstContainer(d).VolumeMounts, VolumeMount{Name: "cache", MountPath: "/cache/"})
		}), []string{`volumeMounts[1].mountPath: duplicate mount path "/cache/"`}},
		{"subPath escapes", with(validDeployment, func(d *Deployment) { firstContainer(d).VolumeMounts[0].SubPath = "a/../../etc" }), []string{`volumeMounts[0].subPath: invalid value "a/../../etc": may not contain '..'`}},
		{"volume names unique", with(validDeployment, func(d *Deployment) {
			d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes, Volume{Name: "cache", EmptyDir: &EmptyDirVolumeSource{}})
		}), []string{`spec.template.spec.volumes[1].name: duplicate volume name "cache"`}},
		{"valid disk emptyDir with sizeLimit (enforced by eviction)", with(validDeployment, func(d *Deployment) {
			q := MustParseQuantity("1Gi")
			d.Spec.Template.Spec.Volumes[0].EmptyDir.SizeLimit = &q
		}), nil},
		{"emptyDir sizeLimit negative", with(validDeployment, func(d *Deployment) {
			q := MustParseQuantity("-1Gi")
			d.Spec.Template.Spec.Volumes[0].EmptyDir.SizeLimit = &q
		}), []string{"volumes[0].emptyDir.sizeLimit: must not be negative, got -1Gi"}},
		{"volume without source", with(validDeployment, func(d *Deployment) { d.Spec.Template.Spec.Volumes[0].EmptyDir = nil }), []string{"spec.template.spec.volumes[0]: must have exactly one of emptyDir, hostPath, configMap, secret, persistentVolumeClaim, projected or downwardAPI"}},
		{"volume with two sources", with(validDeployment, func(d *Deployment) {
			d.Spec.Template.Spec.Volumes[0].HostPath = &HostPathVolumeSource{Path: "/x"}
		}), []string{"got emptyDir and hostPath"}},
		{"volume sources checked", with(validDeployment, func(d *Deployment) {
			d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes,
				Volume{Name: "h", HostPath: &HostPathVolumeSource{Path: "var/log", Type: "Folder"}},
				Volume{Name: "c", ConfigMap: &ConfigMapVolumeSource{Items: []KeyToPath{{Key: "k", Path: "/abs"}}, DefaultMode: ptr(int32(0o1000))}},
				Volume{Name: "s", Secret: &SecretVolumeSource{}},
				Volume{Name: "p", PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{}},
				Volume{Name: "m", EmptyDir: &EmptyDirVolumeSource{Medium: "Disk"}},
			)
		}), []string{
			`volumes[1].hostPath.path: invalid value "var/log": must be an absolute path`,
			`volumes[1].hostPath.type: unknown type "Folder"`,
			"volumes[2].configMap.name: required",
			`volumes[2].configMap.items[0].path: invalid value "/abs": must be a relative path`,
			"volumes[2].configMap.defaultMode: must be a file mode from 0 to 0777 (511), got 512",
			"volumes[3].secret.secretName: required",
			"volumes[4].persistentVolumeClaim.claimName: required",
			`volumes[5].emptyDir.medium: unknown medium "Disk"`,
		}},

		// Pod-level fields.
		{"workload restartPolicy must be Always", with(validDeployment, func(d *Deployment) { d.Spec.Template.Spec.RestartPolicy = RestartNever }), []string{`spec.template.spec.restartPolicy: must be Always in a workload's pod template, got "Never"`}},
		{"restartPolicy unknown", with(validPod, func(p *Pod) { p.Spec.RestartPolicy = "Sometimes" }), []string{`spec.restartPolicy: unknown policy "Sometimes"`}},
		{"grace period negative", with(validDeployment, func(d *Deployment) { d.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr(int64(-1)) }), []string{"spec.template.spec.terminationGracePeriodSeconds: must be 0-9223372036, got -1"}},
		{"grace period past a duration", with(validDeployment, func(d *Deployment) { d.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr(int64(10_000_000_000)) }), []string{"spec.template.spec.terminationGracePeriodSeconds: must be 0-9223372036, got 10000000000"}},
		{"hostname invalid", with(validDeployment, func(d *Deployment) { d.Spec.Template.Spec.Hostname = "a.b" }), []string{`spec.template.spec.hostname: invalid value "a.b"`}},
		{"node selector invalid", with(validDeployment, func(d *Deployment) { d.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "s s d"} }), []string{`spec.template.spec.nodeSelector[disk]: invalid value "s s d"`}},

		// Probes.
		{"probe without handler", with(validDeployment, func(d *Deployment) { firstContainer(d).ReadinessProbe = &Probe{} }), []string{"spec.template.spec.containers[0].readinessProbe: must have exactly one of httpGet, tcpSocket, exec or grpc"}},
		{"probe with two handlers", with(validDeployment, func(d *Deployment) {
			firstContainer(d).LivenessProbe.Exec = &ExecAction{Command: []string{"true"}}
		}), []string{"livenessProbe: must have exactly one of httpGet, tcpSocket, exec or grpc, got httpGet and exec"}},
		{"probe port name undeclared", with(validDeployment, func(d *Deployment) { firstContainer(d).LivenessProbe.HTTPGet.Port = FromString("admin") }), []string{`livenessProbe.httpGet.port: no container port is named "admin"`}},
		{"probe port number out of range", with(validDeployment, func(d *Deployment) {
			firstContainer(d).ReadinessProbe = &Probe{TCPSocket: &TCPSocketAction{Port: FromInt32(0)}}
		}), []string{"readinessProbe.tcpSocket.port: must be 1-65535 or a port name, got 0"}},
		{"probe exec without command", with(validDeployment, func(d *Deployment) { firstContainer(d).StartupProbe = &Probe{Exec: &ExecAction{}} }), []string{"startupProbe.exec.command: required"}},
		{"liveness successThreshold", with(validDeployment, func(d *Deployment) { firstContainer(d).LivenessProbe.SuccessThreshold = 2 }), []string{"livenessProbe.successThreshold: must be 1 for liveness and startup probes, got 2"}},
		{"probe negative timing", with(validDeployment, func(d *Deployment) { firstContainer(d).LivenessProbe.PeriodSeconds = -1 }), []string{"livenessProbe.periodSeconds: must be at least 0, got -1"}},
		{"probe scheme", with(validDeployment, func(d *Deployment) { firstContainer(d).LivenessProbe.HTTPGet.Scheme = "FTP" }), []string{`livenessProbe.httpGet.scheme: unknown scheme "FTP"`}},
		{"init container probe", with(validDeployment, func(d *Deployment) {
			d.Spec.Template.Spec.InitContainers = []Container{{Name: "init", Image: "busybox", ReadinessProbe: &Probe{Exec: &ExecAction{Command: []string{"true"}}}}}
		}), []string{"spec.template.spec.initContainers[0].readinessProbe: not allowed in an init container"}},

		// Deployment strategy.
		{"strategy unknown", with(validDeployment, func(d *Deployment) { d.Spec.Strategy.Type = "BlueGreen" }), []string{`spec.strategy.type: unknown strategy "BlueGreen"`}},
		{"recreate with rollingUpdate", with(validDeployment, func(d *Deployment) {
			d.Spec.Strategy = DeploymentStrategy{Type: RecreateDeploymentStrategyType, RollingUpdate: &RollingUpdateDeployment{}}
		}), []string{"spec.strategy.rollingUpdate: may not be set when type is Recreate"}},
		{"rolling update bounds", with(validDeployment, func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxUnavailable: ptr(FromString("150%")), MaxSurge: ptr(FromString("many"))}
		}), []string{
			`spec.strategy.rollingUpdate.maxUnavailable: invalid value "150%": must be at most 100%`,
			`spec.strategy.rollingUpdate.maxSurge: invalid value "many": must be an integer or a percentage`,
		}},
		{"rolling update both zero", with(validDeployment, func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxUnavailable: ptr(FromInt32(0)), MaxSurge: ptr(FromString("0%"))}
		}), []string{"spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0"}},
		{"progress deadline", with(validDeployment, func(d *Deployment) {
			d.Spec.MinReadySeconds = 30
			d.Spec.ProgressDeadlineSeconds = ptr(int32(30))
		}), []string{"spec.progressDeadlineSeconds: must be greater than minReadySeconds (30), got 30"}},

		// StatefulSet.
		{"serviceName required", with(validStatefulSet, func(s *StatefulSet) { s.Spec.ServiceName = "" }), []string{"spec.serviceName: required"}},
		{"claim template checks", with(validStatefulSet, func(s *StatefulSet) {
			s.Spec.VolumeClaimTemplates[0].Spec.AccessModes = []PersistentVolumeAccessMode{"ReadWriteSometimes"}
			s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests = ResourceList{"cpu": MustParseQuantity("1")}
		}), []string{
			`spec.volumeClaimTemplates[0].spec.accessModes[0]: unknown access mode "ReadWriteSometimes"`,
			"spec.volumeClaimTemplates[0].spec.resources.requests[storage]: required",
			`spec.volumeClaimTemplates[0].spec.resources.requests[cpu]: unknown resource "cpu" (want storage)`,
		}},
		{"claim template name clashes with volume", with(validStatefulSet, func(s *StatefulSet) { s.Spec.VolumeClaimTemplates[0].Name = "cache" }), []string{`spec.template.spec.volumes[0].name: "cache" is also the name of a volume claim template`}},
		{"pod management policy", with(validStatefulSet, func(s *StatefulSet) { s.Spec.PodManagementPolicy = "Random" }), []string{`spec.podManagementPolicy: unknown policy "Random"`}},
		{"negative partition", with(validStatefulSet, func(s *StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateStatefulSetStrategy{Partition: ptr(int32(-1))}
		}), []string{"spec.updateStrategy.rollingUpdate.partition: must be at least 0, got -1"}},
		{"statefulset restartPolicy", with(validStatefulSet, func(s *StatefulSet) { s.Spec.Template.Spec.RestartPolicy = RestartOnFailure }), []string{"spec.template.spec.restartPolicy: must be Always"}},

		// DaemonSet.
		{"daemonset surge and unavailable", with(validDaemonSet, func(d *DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateDaemonSet{MaxUnavailable: ptr(FromInt32(1)), MaxSurge: ptr(FromInt32(1))}
		}), []string{"spec.updateStrategy.rollingUpdate.maxSurge: must be 0 when maxUnavailable is not"}},
		{"daemonset OnDelete with rollingUpdate", with(validDaemonSet, func(d *DaemonSet) {
			d.Spec.UpdateStrategy = DaemonSetUpdateStrategy{Type: OnDeleteDaemonSetStrategyType, RollingUpdate: &RollingUpdateDaemonSet{}}
		}), []string{"spec.updateStrategy.rollingUpdate: may not be set when type is OnDelete"}},
		{"daemonset selector mismatch", with(validDaemonSet, func(d *DaemonSet) { d.Spec.Selector.MatchLabels["tier"] = "x" }), []string{"spec.selector: does not match template labels"}},

		// Service.
		{"service ports required", with(validService, func(s *Service) { s.Spec.Ports = nil }), []string{"spec.ports: required"}},
		{"service type unknown", with(validService, func(s *Service) { s.Spec.Type = "Balanced" }), []string{`spec.type: unknown type "Balanced"`}},
		{"externalName needs its name", with(validService, func(s *Service) { s.Spec.Type = ServiceTypeExternalName; s.Spec.Selector = nil }), []string{`spec.externalName: required for type ExternalName`}},
		{"externalName without the type", with(validService, func(s *Service) { s.Spec.ExternalName = "db.example.com" }), []string{`spec.externalName: may only be set for type ExternalName`}},
		{"externalTrafficPolicy on ClusterIP", with(validService, func(s *Service) { s.Spec.ExternalTrafficPolicy = TrafficPolicyLocal }), []string{`spec.externalTrafficPolicy: may only be set for type NodePort or LoadBalancer`}},
		{"unknown traffic policy", with(validService, func(s *Service) { s.Spec.InternalTrafficPolicy = "Nearby" }), []string{`spec.internalTrafficPolicy: unknown policy "Nearby"`}},
		{"affinity timeout", with(validService, func(s *Service) {
			s.Spec.SessionAffinity = SessionAffinityClientIP
			s.Spec.SessionAffinityConfig = &SessionAffinityConfig{ClientIP: &ClientIPConfig{TimeoutSeconds: ptr(int32(0))}}
		}), []string{`spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be 1-86400, got 0`}},
		{"bad external IP", with(validService, func(s *Service) { s.Spec.ExternalIPs = []string{"1.2.3"} }), []string{`spec.externalIPs[0]`}},
		{"too many external IPs", with(validService, func(s *Service) {
			for i := range MaxExternalIPs + 1 {
				s.Spec.ExternalIPs = append(s.Spec.ExternalIPs, fmt.Sprintf("192.0.2.%d", i%250+1))
			}
		}), []string{`spec.externalIPs: too many addresses: 101, at most 100`}},
		{"too many ports", with(validService, func(s *Service) {
			for i := range MaxServicePorts + 1 {
				s.Spec.Ports = append(s.Spec.Ports, ServicePort{Name: fmt.Sprintf("p%d", i), Port: int32(i + 2000)})
			}
		}), []string{`spec.ports: too many ports: 1003, at most 1000`}},
		{"headless NodePort", with(validService, func(s *Service) { s.Spec.Type = ServiceTypeNodePort; s.Spec.ClusterIP = ClusterIPNone }), []string{"spec.clusterIP: may not be None for type NodePort"}},
		{"service port zero", with(validService, func(s *Service) { s.Spec.Ports[0].Port = 0 }), []string{"spec.ports[0].port: must be 1-65535, got 0"}},
		{"service port names required", with(validService, func(s *Service) { s.Spec.Ports[1].Name = "" }), []string{"spec.ports[1].name: required when there is more than one port"}},
		{"service port names unique", with(validService, func(s *Service) { s.Spec.Ports[1].Name = "http" }), []string{`spec.ports[1].name: duplicate port name "http"`}},
		{"service port name invalid", with(validService, func(s *Service) { s.Spec.Ports[1].Name = "HTTPS" }), []string{`spec.ports[1].name: invalid value "HTTPS"`}},
		{"service single port needs no name", with(validService, func(s *Service) { s.Spec.Ports = []ServicePort{{Port: 80}} }), nil},
		{"service protocol", with(validService, func(s *Service) { s.Spec.Ports[0].Protocol = "QUIC" }), []string{`spec.ports[0].protocol: unknown protocol "QUIC" (want TCP, UDP or SCTP)`}},
		{"service duplicate port", with(validService, func(s *Service) { s.Spec.Ports[1].Port = 80 }), []string{"spec.ports[1].port: duplicate port TCP/80"}},
		{"service same port other protocol", with(validService, func(s *Service) { s.Spec.Ports[1].Port = 80; s.Spec.Ports[1].Protocol = ProtocolUDP }), nil},
		{"nodePort only for NodePort", with(validService, func(s *Service) { s.Spec.Ports[0].NodePort = 30080 }), []string{"spec.ports[0].nodePort: may only be set for type NodePort or LoadBalancer"}},
		{"nodePort range", with(validService, func(s *Service) { s.Spec.Type = ServiceTypeNodePort; s.Spec.Ports[0].NodePort = 70000 }), []string{"spec.ports[0].nodePort: must be 1-65535, got 70000"}},
		{"nodePort outside the default range is the agents' to judge", with(validService, func(s *Service) { s.Spec.Type = ServiceTypeNodePort; s.Spec.Ports[0].NodePort = 80 }), nil},
		{"nodePort ok for LoadBalancer", with(validService, func(s *Service) { s.Spec.Type = ServiceTypeLoadBalancer; s.Spec.Ports[0].NodePort = 32767 }), nil},
		{"targetPort name invalid", with(validService, func(s *Service) { s.Spec.Ports[0].TargetPort = FromString("HTTP") }), []string{`spec.ports[0].targetPort: invalid value "HTTP": must be a port name`}},
		{"targetPort number out of range", with(validService, func(s *Service) { s.Spec.Ports[0].TargetPort = FromInt32(70000) }), []string{"spec.ports[0].targetPort: must be 1-65535 or a port name, got 70000"}},
		{"clusterIP invalid", with(validService, func(s *Service) { s.Spec.ClusterIP = "10.43.0.300" }), []string{`spec.clusterIP: invalid value "10.43.0.300": must be an IP address`}},
		{"clusterIPs mismatch", with(validService, func(s *Service) { s.Spec.ClusterIP = "10.43.0.10"; s.Spec.ClusterIPs = []string{"10.43.0.11"} }), []string{`spec.clusterIPs[0]: must equal spec.clusterIP "10.43.0.10", got "10.43.0.11"`}},
		{"selector label invalid", with(validService, func(s *Service) { s.Spec.Selector = map[string]string{"app": "-x"} }), []string{`spec.selector[app]: invalid value "-x"`}},
		{"session affinity", with(validService, func(s *Service) { s.Spec.SessionAffinity = "Cookie" }), []string{`spec.sessionAffinity: unknown affinity "Cookie"`}},

		// Ingress.
		{"ingress needs rules or default backend", with(validIngress, func(i *Ingress) { i.Spec.Rules = nil }), []string{"spec: must have rules or a defaultBackend"}},
		{"ingress default backend only", with(validIngress, func(i *Ingress) {
			i.Spec.Rules = nil
			i.Spec.DefaultBackend = &IngressBackend{Service: &IngressServiceBackend{Name: "web", Port: ServiceBackendPort{Name: "http"}}}
		}), nil},
		{"ingress path must start with slash", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "api" }), []string{`spec.rules[0].http.paths[0].path: invalid value "api": must start with '/'`}},
		{"ingress pathType required", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].PathType = nil }), []string{"spec.rules[0].http.paths[0].pathType: required"}},
		{"ingress pathType unknown", with(validIngress, func(i *Ingress) { pt := PathType("Regex"); i.Spec.Rules[0].HTTP.Paths[0].PathType = &pt }), []string{`spec.rules[0].http.paths[0].pathType: unknown path type "Regex"`}},
		{"ingress backend service required", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Backend.Service = nil }), []string{"spec.rules[0].http.paths[0].backend.service: required"}},
		{"ingress backend name and port required", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend.Service = &IngressServiceBackend{}
		}), []string{"spec.rules[0].http.paths[0].backend.service.name: required", "spec.rules[0].http.paths[0].backend.service.port: required: number or name"}},
		{"ingress backend port both", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = ServiceBackendPort{Name: "http", Number: 80}
		}), []string{"backend.service.port: must have only one of number and name"}},
		{"ingress backend port range", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Number = 70000 }), []string{"backend.service.port.number: must be 1-65535, got 70000"}},
		{"ingress host uppercase", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].Host = "App.example.com" }), []string{`spec.rules[0].host: invalid value "App.example.com": must be a DNS subdomain`}},
		{"ingress host wildcard in middle", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].Host = "a.*.example.com" }), []string{`spec.rules[0].host: invalid value "a.*.example.com": a wildcard is only allowed as the whole first label`}},
		{"ingress host IP", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].Host = "10.0.0.1" }), []string{`spec.rules[0].host: invalid value "10.0.0.1": must be a DNS name, not an IP address`}},
		{"ingress tls host", with(validIngress, func(i *Ingress) { i.Spec.TLS = []IngressTLS{{Hosts: []string{"bad_host"}, SecretName: "Bad"}} }), []string{`spec.tls[0].hosts[0]: invalid value "bad_host"`, `spec.tls[0].secretName: invalid value "Bad"`}},
		{"ingress rule without http", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP = nil }), []string{"spec.rules[0].http: required"}},

		{"ingress tls wildcard host", with(validIngress, func(i *Ingress) { i.Spec.TLS = []IngressTLS{{Hosts: []string{"*.example.com"}, SecretName: "wild"}} }), nil},
		{"ingress tls host IP", with(validIngress, func(i *Ingress) { i.Spec.TLS = []IngressTLS{{Hosts: []string{"10.0.0.1"}}} }), []string{`spec.tls[0].hosts[0]: invalid value "10.0.0.1": must be a DNS name, not an IP address`}},
		{"ingress tls host wildcard not first", with(validIngress, func(i *Ingress) { i.Spec.TLS = []IngressTLS{{Hosts: []string{"app.*.com"}}} }), []string{`spec.tls[0].hosts[0]: invalid value "app.*.com": a wildcard is only allowed as the whole first label`}},
		{"ingress host partial wildcard label", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].Host = "*app.example.com" }), []string{`spec.rules[0].host: invalid value "*app.example.com": a wildcard is only allowed as the whole first label`}},
		{"ingress host bare wildcard", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].Host = "*" }), []string{`spec.rules[0].host: invalid value "*": a wildcard is only allowed as the whole first label`}},
		{"ingress host IPv6", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].Host = "fd00::1" }), []string{`spec.rules[0].host: invalid value "fd00::1": must be a DNS name, not an IP address`}},
		{"ingress host empty is every host", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].Host = "" }), nil},
		{"ingress exact path empty", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Path = ""
			i.Spec.Rules[0].HTTP.Paths[0].PathType = ptr(PathTypeExact)
		}), []string{`spec.rules[0].http.paths[0].path: invalid value "": must start with '/'`}},
		{"ingress prefix path empty", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "" }), []string{`spec.rules[0].http.paths[0].path: invalid value "": must start with '/'`}},
		{"ingress implementation specific path empty is every path", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Path = ""
			i.Spec.Rules[0].HTTP.Paths[0].PathType = ptr(PathTypeImplementationSpecific)
		}), nil},
		{"ingress implementation specific path relative", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Path = "api"
			i.Spec.Rules[0].HTTP.Paths[0].PathType = ptr(PathTypeImplementationSpecific)
		}), []string{`spec.rules[0].http.paths[0].path: invalid value "api": must start with '/'`}},
		{"ingress implementation specific path may hold dot segments", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Path = "/a/../b"
			i.Spec.Rules[0].HTTP.Paths[0].PathType = ptr(PathTypeImplementationSpecific)
		}), nil},
		{"ingress path double slash", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a//b" }), []string{`spec.rules[0].http.paths[0].path: invalid value "/a//b": may not contain "//" with pathType Prefix`}},
		{"ingress path dot segment", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a/./b" }), []string{`may not contain "/./" with pathType Prefix`}},
		{"ingress path dot-dot segment", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Path = "/a/../b"
			i.Spec.Rules[0].HTTP.Paths[0].PathType = ptr(PathTypeExact)
		}), []string{`may not contain "/../" with pathType Exact`}},
		{"ingress path encoded slash", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a%2Fb" }), []string{`may not contain "%2F"`}},
		{"ingress path encoded slash lower case", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a%2fb" }), []string{`may not contain "%2f"`}},
		{"ingress path ends with dot-dot", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a/.." }), []string{`may not end with "/.." with pathType Prefix`}},
		{"ingress path ends with dot", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a/." }), []string{`may not end with "/." with pathType Prefix`}},
		{"ingress path query", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a?b=c" }), []string{`may not contain whitespace, '?' or '#'`}},
		{"ingress path trailing slash", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Path = "/a/" }), nil},
		{"ingress duplicate path", with(validIngress, func(i *Ingress) {
			p := &i.Spec.Rules[0].HTTP.Paths
			*p = append(*p, (*p)[0])
		}), []string{`spec.rules[0].http.paths[1].path: duplicate path "/" for host "app.example.com"`}},
		{"ingress same path different types", with(validIngress, func(i *Ingress) {
			p := &i.Spec.Rules[0].HTTP.Paths
			exact := (*p)[0]
			exact.PathType = ptr(PathTypeExact)
			*p = append(*p, exact)
		}), nil},
		{"ingress rule with empty paths", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths = nil }), []string{"spec.rules[0].http.paths: required: at least one path"}},
		{"ingress rule without http with default backend", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP = nil
			i.Spec.DefaultBackend = &IngressBackend{Service: &IngressServiceBackend{Name: "web", Port: ServiceBackendPort{Number: 80}}}
		}), nil},
		{"ingress default backend checked", with(validIngress, func(i *Ingress) { i.Spec.DefaultBackend = &IngressBackend{} }), []string{"spec.defaultBackend.service: required"}},
		{"ingress backend service name invalid", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name = "1web" }), []string{`backend.service.name: invalid value "1web": must be a DNS label that starts with a letter`}},
		{"ingress backend port name", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = ServiceBackendPort{Name: "http"}
		}), nil},
		{"ingress backend port name too long", with(validIngress, func(i *Ingress) {
			i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = ServiceBackendPort{Name: "http-backend-port"}
		}), []string{`backend.service.port.name: invalid value "http-backend-port": must be a port name: at most 15`}},
		{"ingress backend port negative", with(validIngress, func(i *Ingress) { i.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Number = -1 }), []string{"backend.service.port.number: must be 1-65535, got -1"}},
		{"ingress class name invalid", with(validIngress, func(i *Ingress) { i.Spec.IngressClassName = ptr("Shoal") }), []string{`spec.ingressClassName: invalid value "Shoal": must be a DNS subdomain`}},
		{"ingress ssl-redirect true", with(validIngress, func(i *Ingress) { i.Annotations = map[string]string{AnnotationSSLRedirect: "true"} }), nil},
		{"ingress ssl-redirect false", with(validIngress, func(i *Ingress) { i.Annotations = map[string]string{AnnotationSSLRedirect: "false"} }), nil},
		{"ingress ssl-redirect invalid", with(validIngress, func(i *Ingress) { i.Annotations = map[string]string{AnnotationSSLRedirect: "yes"} }), []string{`metadata.annotations[shoal.dev/ssl-redirect]: invalid value "yes": must be "true" or "false"`}},
		{"ingress unknown annotation", with(validIngress, func(i *Ingress) { i.Annotations = map[string]string{"nginx.ingress.kubernetes.io/rewrite-target": "/"} }), nil},
		{"ingress status address", with(validIngress, func(i *Ingress) { i.Status.LoadBalancer.Ingress = []LoadBalancerIngress{{IP: "node-1"}} }), []string{`status.loadBalancer.ingress[0].ip: invalid value "node-1"`}},

		// IngressClass.
		{"valid ingressclass", validIngressClass(), nil},
		{"ingressclass other controller", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "k8s.io/ingress-nginx" }), nil},
		{"ingressclass controller path characters", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "acme.io/a/b_c~d:e" }), nil},
		{"ingressclass controller required", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "" }), []string{`spec.controller: required: the controller that implements the class, e.g. "shoal.dev/ingress"`}},
		{"ingressclass controller without domain", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "ingress" }), []string{`spec.controller: invalid value "ingress": must be a domain-prefixed path such as "shoal.dev/ingress"`}},
		{"ingressclass controller empty path", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "shoal.dev/" }), []string{`spec.controller: invalid value "shoal.dev/": must be a domain-prefixed path`}},
		{"ingressclass controller bad domain", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "Shoal_dev/ingress" }), []string{`spec.controller: invalid value "Shoal_dev/ingress": domain before '/' must be a DNS subdomain`}},
		{"ingressclass controller bad path", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "shoal.dev/in gress" }), []string{`spec.controller: invalid value "shoal.dev/in gress": path after '/' may only contain`}},
		{"ingressclass controller 250 characters", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "shoal.dev/" + strings.Repeat("a", 240) }), nil},
		{"ingressclass controller too long", with(validIngressClass, func(c *IngressClass) { c.Spec.Controller = "shoal.dev/" + strings.Repeat("a", 241) }), []string{`spec.controller: invalid value "shoal.dev/aaa`, `must be at most 250 characters`}},
		{"ingressclass name", with(validIngressClass, func(c *IngressClass) { c.Name = "Shoal" }), []string{`metadata.name: invalid value "Shoal"`}},
		{"ingressclass is not namespaced", with(validIngressClass, func(c *IngressClass) { c.Namespace = "default" }), []string{"metadata.namespace: must be empty: IngressClass is not namespaced"}},
		{"ingressclass default annotation", with(validIngressClass, func(c *IngressClass) { c.Annotations = map[string]string{AnnotationDefaultIngressClass: "true"} }), nil},
		{"ingressclass default annotation invalid", with(validIngressClass, func(c *IngressClass) { c.Annotations = map[string]string{AnnotationDefaultIngressClass: "True"} }), []string{`metadata.annotations[ingressclass.kubernetes.io/is-default-class]: invalid value "True": must be "true" or "false"`}},

		// ConfigMap, Secret, Node, Pod.
		{"configmap key invalid", &ConfigMap{ObjectMeta: ObjectMeta{Name: "c"}, Data: map[string]string{"a b": "x"}}, []string{`data[a b]: invalid value "a b": must be a key of at most 253 letters, digits, '-', '_' and '.'`}},
		{"configmap key dotdot", &ConfigMap{ObjectMeta: ObjectMeta{Name: "c"}, Data: map[string]string{"..": "x"}}, []string{`data[..]: invalid value "..": may not be '.' or '..'`}},
		{"configmap key in data and binaryData", &ConfigMap{ObjectMeta: ObjectMeta{Name: "c"}, Data: map[string]string{"k": "x"}, BinaryData: map[string][]byte{"k": nil}}, []string{"binaryData[k]: key is also in data"}},
		{"secret key invalid", &Secret{ObjectMeta: ObjectMeta{Name: "s"}, Type: SecretTypeOpaque, Data: map[string][]byte{"a/b": nil}}, []string{`data[a/b]: invalid value "a/b"`}},
		{"tls secret keys", &Secret{ObjectMeta: ObjectMeta{Name: "s"}, Type: SecretTypeTLS}, []string{"data[tls.crt]: required for type kubernetes.io/tls", "data[tls.key]: required for type kubernetes.io/tls"}},
		{"node checks", with(validNode, func(n *Node) {
			n.Spec.PodCIDR = "10.42.1.0"
			n.Status.Capacity["gpu"] = MustParseQuantity("1")
			n.Status.Conditions = append(n.Status.Conditions, NodeCondition{Type: NodeReady, Status: "Yes"})
			n.Status.Addresses = append(n.Status.Addresses, NodeAddress{Type: "ExternalDNS", Address: "x"}, NodeAddress{Type: NodeInternalIP, Address: "node-1"})
		}), []string{
			`spec.podCIDR: invalid value "10.42.1.0": must be a CIDR`,
			`status.capacity[gpu]: unknown resource "gpu"`,
			`status.conditions[1].type: duplicate condition "Ready"`,
			`status.conditions[1].status: got "Yes", want True, False or Unknown`,
			`status.addresses[2].type: unknown address type "ExternalDNS"`,
			`status.addresses[3].address: invalid value "node-1": must be an IP address`,
		}},
		{"pod status checks", with(validPod, func(p *Pod) {
			p.Status = PodStatus{Phase: "Sleeping", PodIP: "10.42.1.300", Conditions: []PodCondition{{Type: PodReady, Status: "true"}}}
		}), []string{`status.phase: unknown phase "Sleeping"`, `status.podIP: invalid value "10.42.1.300"`, `status.conditions[0].status: got "true", want True, False or Unknown`}},
		{"pod node name", with(validPod, func(p *Pod) { p.Spec.NodeName = "Node_1" }), []string{`spec.nodeName: invalid value "Node_1"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			err := Validate(tt.obj)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want errors %q", tt.want)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Validate error %T is not an ErrorList", err)
			}
			for _, w := range tt.want {
				found := false
				for _, fe := range list {
					if strings.Contains(fe.Error(), w) {
						found = true
					}
				}
				if !found {
					t.Errorf("no error contains %q; got:\n%v", w, err)
				}
			}
		})
	}
}

// TestValidateNeverPanics feeds Validate and Default empty and half-built
// objects of every kind.
func TestValidateNeverPanics(t *testing.T) {
	var objs []Object
	for _, k := range Kinds() {
		objs = append(objs, k.New())
	}
	prefix := PathType("Prefix")
	objs = append(objs,
		&Deployment{Spec: DeploymentSpec{
			Selector: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{}}},
			Strategy: DeploymentStrategy{RollingUpdate: &RollingUpdateDeployment{}},
			Template: PodTemplateSpec{Spec: PodSpec{
				InitContainers: []Container{{LivenessProbe: &Probe{}}},
				Containers: []Container{{
					Env:            []EnvVar{{ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{}, ConfigMapKeyRef: &KeySelector{}}}},
					LivenessProbe:  &Probe{HTTPGet: &HTTPGetAction{}, TCPSocket: &TCPSocketAction{}, Exec: &ExecAction{}},
					ReadinessProbe: &Probe{HTTPGet: &HTTPGetAction{HTTPHeaders: []HTTPHeader{{}}}},
					SecurityContext: &SecurityContext{
						Capabilities: &Capabilities{},
					},
					VolumeMounts: []VolumeMount{{}},
					Ports:        []ContainerPort{{}},
				}},
				Volumes:         []Volume{{}, {EmptyDir: &EmptyDirVolumeSource{SizeLimit: &Quantity{}}, HostPath: &HostPathVolumeSource{}, ConfigMap: &ConfigMapVolumeSource{Items: []KeyToPath{{}}}, Secret: &SecretVolumeSource{}, PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{}}},
				SecurityContext: &PodSecurityContext{},
			}},
		}},
		&StatefulSet{Spec: StatefulSetSpec{VolumeClaimTemplates: []PersistentVolumeClaim{{}}, UpdateStrategy: StatefulSetUpdateStrategy{RollingUpdate: &RollingUpdateStatefulSetStrategy{}}}},
		&DaemonSet{Spec: DaemonSetSpec{UpdateStrategy: DaemonSetUpdateStrategy{RollingUpdate: &RollingUpdateDaemonSet{}}}},
		&Service{Spec: ServiceSpec{Ports: []ServicePort{{}, {}}, ClusterIPs: []string{"", ""}}},
		&Ingress{Spec: IngressSpec{
			IngressClassName: new(string),
			DefaultBackend:   &IngressBackend{},
			TLS:              []IngressTLS{{Hosts: []string{""}}},
			Rules:            []IngressRule{{HTTP: &HTTPIngressRuleValue{Paths: []HTTPIngressPath{{}, {PathType: &prefix, Backend: IngressBackend{Service: &IngressServiceBackend{}}}}}}, {}},
		}},
		&Secret{StringData: map[string]string{"": ""}, Data: map[string][]byte{"": nil}},
		&Pod{Status: PodStatus{PodIPs: []PodIP{{}}, ContainerStatuses: []ContainerStatus{{}}, Conditions: []PodCondition{{}}}},
		&Node{Status: NodeStatus{Conditions: []NodeCondition{{}}, Addresses: []NodeAddress{{}}}},
		&Namespace{ObjectMeta: ObjectMeta{OwnerReferences: []OwnerReference{{}}, Labels: map[string]string{"": ""}, Annotations: map[string]string{"": ""}}},
	)
	for i, o := range objs {
		t.Run(fmt.Sprintf("%d %T", i, o), func(t *testing.T) {
			if err := Validate(o); err == nil {
				t.Errorf("Validate(%T zero) = nil, want errors", o)
			}
			Default(o)
			Default(o)
			_ = Validate(o)
			if _, err := Encode(o); err != nil {
				t.Errorf("Encode: %v", err)
			}
		})
	}
	if err := Validate(nil); err == nil {
		t.Errorf("Validate(nil) = nil, want an error")
	}
	if err := Validate((*Deployment)(nil)); err == nil {
		t.Errorf("Validate(nil *Deployment) = nil, want an error")
	}
	Default(nil)
	Default((*Service)(nil))
}
