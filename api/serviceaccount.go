package api

func init() {
	register(&Kind{
		Name: "ServiceAccount", APIVersion: "v1", Plural: "serviceaccounts",
		Aliases: []string{"serviceaccount", "sa"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &ServiceAccount{} },
	})
}

// DefaultServiceAccount is the service account of pods that name none; it
// exists in every namespace without being applied.
const DefaultServiceAccount = "default"

// ServiceAccount is an identity pods run as (spec.serviceAccountName).
// Shoal has no Kubernetes API for pods to call, so it gives pods no token:
// the account only has to exist (see docs/pods.md).
type ServiceAccount struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// AutomountServiceAccountToken is accepted and has no effect: Shoal
	// mounts no token.
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
}

// DefaultServiceAccountIn is the built-in service account "default" of
// namespace ns, which reads show when none of that name is stored there.
func DefaultServiceAccountIn(ns string) *ServiceAccount {
	return &ServiceAccount{
		TypeMeta:   TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: ObjectMeta{Name: DefaultServiceAccount, Namespace: ns},
	}
}

// ServiceAccountOf is the service account a pod spec runs as:
// serviceAccountName, else the deprecated serviceAccount, else "default".
func (s *PodSpec) ServiceAccountOf() string {
	switch {
	case s.ServiceAccountName != "":
		return s.ServiceAccountName
	case s.DeprecatedServiceAccount != "":
		return s.DeprecatedServiceAccount
	}
	return DefaultServiceAccount
}
