package api

// Real Kubernetes fields Shoal does not support, as "Type.field" with Type
// the Kubernetes (and Shoal) type the field belongs to. The shape check
// reports a field listed here as "not supported by Shoal" and any other
// unknown field as a typo, with the closest field as a suggestion. When
// you add support for a field, delete its line (TestUnsupportedFieldsAreUnknown
// fails until you do). Fields from Kubernetes v1.32.
var unsupportedFields = []string{
	"ObjectMeta.generateName",
	"ObjectMeta.selfLink",
	"ObjectMeta.finalizers",
	"ObjectMeta.managedFields",
	"OwnerReference.blockOwnerDeletion",
	"JobSpec.podFailurePolicy",
	"JobSpec.successPolicy",
	"JobSpec.backoffLimitPerIndex",
	"JobSpec.maxFailedIndexes",
	"JobSpec.podReplacementPolicy",
	"JobSpec.manualSelector",
	"JobSpec.managedBy",
	"PodAffinityTerm.namespaceSelector",
	"PodAffinityTerm.matchLabelKeys",
	"PodAffinityTerm.mismatchLabelKeys",
	"TopologySpreadConstraint.matchLabelKeys",
	"TopologySpreadConstraint.nodeAffinityPolicy",
	"TopologySpreadConstraint.nodeTaintsPolicy",
	"PodSpec.ephemeralContainers",
	"PodSpec.activeDeadlineSeconds",
	"PodSpec.serviceAccountName",
	"PodSpec.serviceAccount",
	"PodSpec.automountServiceAccountToken",
	"PodSpec.shareProcessNamespace",
	"PodSpec.schedulerName",
	"PodSpec.priorityClassName",
	"PodSpec.priority",
	"PodSpec.readinessGates",
	"PodSpec.runtimeClassName",
	"PodSpec.enableServiceLinks",
	"PodSpec.preemptionPolicy",
	"PodSpec.overhead",
	"PodSpec.setHostnameAsFQDN",
	"PodSpec.os",
	"PodSpec.hostUsers",
	"PodSpec.schedulingGates",
	"PodSpec.resourceClaims",
	"PodSpec.resources",
	"Container.resizePolicy",
	"Container.volumeDevices",
	"Container.terminationMessagePath",
	"Container.terminationMessagePolicy",
	"Container.stdin",
	"Container.stdinOnce",
	"Container.tty",
	"EnvVarSource.resourceFieldRef",
	"ObjectFieldSelector.apiVersion",
	"ContainerPort.hostIP",
	"ResourceRequirements.claims",
	"VolumeMount.recursiveReadOnly",
	"VolumeMount.mountPropagation",
	"VolumeMount.subPathExpr",
	"SecurityContext.seLinuxOptions",
	"SecurityContext.windowsOptions",
	"SecurityContext.procMount",
	"SecurityContext.appArmorProfile",
	"PodSecurityContext.seLinuxOptions",
	"PodSecurityContext.windowsOptions",
	"PodSecurityContext.supplementalGroupsPolicy",
	"PodSecurityContext.appArmorProfile",
	"PodSecurityContext.seLinuxChangePolicy",
	"Probe.terminationGracePeriodSeconds",
	"TCPSocketAction.host",
	"LifecycleHandler.tcpSocket",
	"Volume.gcePersistentDisk",
	"Volume.awsElasticBlockStore",
	"Volume.gitRepo",
	"Volume.nfs",
	"Volume.iscsi",
	"Volume.glusterfs",
	"Volume.rbd",
	"Volume.flexVolume",
	"Volume.cinder",
	"Volume.cephfs",
	"Volume.flocker",
	"Volume.fc",
	"Volume.azureFile",
	"Volume.vsphereVolume",
	"Volume.quobyte",
	"Volume.azureDisk",
	"Volume.photonPersistentDisk",
	"Volume.portworxVolume",
	"Volume.scaleIO",
	"Volume.storageos",
	"Volume.csi",
	"VolumeProjection.clusterTrustBundle",
	"DownwardAPIVolumeFile.resourceFieldRef",
	"Volume.ephemeral",
	"Volume.image",
	"PersistentVolumeClaimVolumeSource.readOnly",
	"PersistentVolumeClaim.apiVersion",
	"PersistentVolumeClaim.kind",
	"PersistentVolumeClaim.status",
	"PersistentVolumeClaimSpec.selector",
	"PersistentVolumeClaimSpec.volumeName",
	"PersistentVolumeClaimSpec.volumeMode",
	"PersistentVolumeClaimSpec.dataSource",
	"PersistentVolumeClaimSpec.dataSourceRef",
	"PersistentVolumeClaimSpec.volumeAttributesClassName",
	"VolumeResourceRequirements.limits",
	"StatefulSetSpec.persistentVolumeClaimRetentionPolicy",
	"StatefulSetSpec.ordinals",
	"RollingUpdateStatefulSetStrategy.maxUnavailable",
	"ServiceSpec.loadBalancerIP",
	"ServiceSpec.loadBalancerSourceRanges",
	"ServiceSpec.healthCheckNodePort",
	"ServiceSpec.ipFamilies",
	"ServiceSpec.ipFamilyPolicy",
	"ServiceSpec.allocateLoadBalancerNodePorts",
	"ServiceSpec.loadBalancerClass",
	"ServiceSpec.trafficDistribution",
	"IngressBackend.resource",
	"IngressClassSpec.parameters",
	"Namespace.spec",
}

// Real Kubernetes kinds Shoal does not support. An apply that uses one is
// told "not supported by Shoal" rather than "unknown kind". When you add a
// kind, delete its line (TestUnsupportedKindsAreUnknown fails until you do).
var unsupportedKinds = []string{
	"APIService",
	"Binding",
	"CertificateSigningRequest",
	"ClusterRole",
	"ClusterRoleBinding",
	"ComponentStatus",
	"ControllerRevision",
	"CSIDriver",
	"CSINode",
	"CSIStorageCapacity",
	"CustomResourceDefinition",
	"EndpointSlice",
	"FlowSchema",
	"Gateway",
	"GatewayClass",
	"GRPCRoute",
	"HorizontalPodAutoscaler",
	"HTTPRoute",
	"Lease",
	"LimitRange",
	"MutatingWebhookConfiguration",
	"NetworkPolicy",
	"PersistentVolume",
	"PersistentVolumeClaim",
	"PodDisruptionBudget",
	"PodTemplate",
	"PriorityClass",
	"PriorityLevelConfiguration",
	"ReplicationController",
	"ResourceQuota",
	"Role",
	"RoleBinding",
	"RuntimeClass",
	"ServiceAccount",
	"StorageClass",
	"ValidatingAdmissionPolicy",
	"ValidatingAdmissionPolicyBinding",
	"ValidatingWebhookConfiguration",
	"VolumeAttachment",
}

var (
	unsupportedFieldSet = setOf(unsupportedFields)
	unsupportedKindSet  = setOf(unsupportedKinds)
)

func setOf(list []string) map[string]bool {
	s := make(map[string]bool, len(list))
	for _, v := range list {
		s[v] = true
	}
	return s
}

// isUnsupportedField reports whether field is a real Kubernetes field of the
// type named typeName that Shoal does not support.
func isUnsupportedField(typeName, field string) bool {
	return unsupportedFieldSet[typeName+"."+field]
}

// unsupportedFieldsOf returns the unsupported Kubernetes fields of the type
// named typeName, for "did you mean" suggestions.
func unsupportedFieldsOf(typeName string) []string {
	var names []string
	prefix := typeName + "."
	for _, f := range unsupportedFields {
		if len(f) > len(prefix) && f[:len(prefix)] == prefix {
			names = append(names, f[len(prefix):])
		}
	}
	return names
}
