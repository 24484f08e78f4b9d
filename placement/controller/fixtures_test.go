package controller

import (
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

func ptr[T any](v T) *T { return &v }

func itoa(n int) string { return strconv.Itoa(n) }

// template is a pod template labelled app=app running image.
func template(app, image string) api.PodTemplateSpec {
	return api.PodTemplateSpec{
		ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "main", Image: image}}},
	}
}

// newDeployment is a defaulted Deployment (RollingUpdate 25%/25%).
func newDeployment(name string, replicas int32, image string) *api.Deployment {
	d := &api.Deployment{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.DeploymentSpec{
			Replicas: &replicas,
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: template(name, image),
		},
	}
	api.Default(d)
	return d
}

// withRolling sets maxSurge and maxUnavailable.
func withRolling(d *api.Deployment, surge, unavailable api.IntOrString) *api.Deployment {
	d.Spec.Strategy = api.DeploymentStrategy{
		Type:          api.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
	}
	return d
}

// newStatefulSet is a defaulted StatefulSet with one volume claim
// template "data" (or none when claims is false).
func newStatefulSet(name string, replicas int32, image string, claims bool) *api.StatefulSet {
	s := &api.StatefulSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.StatefulSetSpec{
			Replicas:    &replicas,
			Selector:    &api.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template:    template(name, image),
			ServiceName: name,
		},
	}
	if claims {
		s.Spec.VolumeClaimTemplates = []api.PersistentVolumeClaim{{
			ObjectMeta: api.ObjectMeta{Name: "data"},
			Spec: api.PersistentVolumeClaimSpec{
				AccessModes: []api.PersistentVolumeAccessMode{api.ReadWriteOnce},
				Resources:   api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParseQuantity("1Gi")}},
			},
		}}
	}
	api.Default(s)
	return s
}

// newDaemonSet is a defaulted DaemonSet (RollingUpdate, maxUnavailable 1)
// for nodes matching nodeSelector.
func newDaemonSet(name, image string, nodeSelector map[string]string) *api.DaemonSet {
	d := &api.DaemonSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.DaemonSetSpec{
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: template(name, image),
		},
	}
	d.Spec.Template.Spec.NodeSelector = nodeSelector
	api.Default(d)
	return d
}

// withNodes adds Ready nodes n1..nN.
func (h *harness) withNodes(n int) *harness {
	for i := 1; i <= n; i++ {
		h.addNode("n"+itoa(i), map[string]string{"zone": "z" + itoa(i%2)})
	}
	return h
}

// setImage returns a copy of obj (a workload) with a new image.
func setImage[T api.Object](obj T, image string) T {
	cp := api.DeepCopy(obj)
	switch o := any(cp).(type) {
	case *api.Deployment:
		o.Spec.Template.Spec.Containers[0].Image = image
	case *api.StatefulSet:
		o.Spec.Template.Spec.Containers[0].Image = image
	case *api.DaemonSet:
		o.Spec.Template.Spec.Containers[0].Image = image
	}
	return cp
}

// setReplicas returns a copy of a Deployment or StatefulSet with new
// replicas.
func setReplicas[T api.Object](obj T, n int32) T {
	cp := api.DeepCopy(obj)
	switch o := any(cp).(type) {
	case *api.Deployment:
		o.Spec.Replicas = &n
	case *api.StatefulSet:
		o.Spec.Replicas = &n
	}
	return cp
}
