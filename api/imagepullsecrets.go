package api

// LocalObjectReference names an object in the same namespace, such as a
// pod's image pull Secret.
type LocalObjectReference struct {
	// Name is the object's name.
	Name string `json:"name"`
}

// validateImagePullSecrets checks a pod's imagePullSecrets: each names a
// Secret (of type kubernetes.io/dockerconfigjson, which the agent checks
// when it pulls: the Secret may be created after the pod).
func validateImagePullSecrets(e *errs, p string, refs []LocalObjectReference) {
	for i, r := range refs {
		np := child(index(p, i), "name")
		if r.Name == "" {
			e.required(np)
			continue
		}
		e.check(np, r.Name, dnsSubdomainError(r.Name))
	}
}
