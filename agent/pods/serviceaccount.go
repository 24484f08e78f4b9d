package pods

import (
	"fmt"

	"github.com/shoal-dev/shoal/api"
)

// serviceAccountNote is what the pod's events say about its service
// account token, or "": Shoal mounts none (it has no Kubernetes API for
// pods), and says so for the pods most likely to expect one — those that
// ask for it (automountServiceAccountToken: true) or run as an account
// other than "default" without turning the token off.
func serviceAccountNote(s *api.PodSpec) string {
	sa := s.ServiceAccountOf()
	a := s.AutomountServiceAccountToken
	if a != nil && !*a || a == nil && sa == api.DefaultServiceAccount {
		return ""
	}
	return fmt.Sprintf("running as service account %q; no token is mounted at /var/run/secrets/kubernetes.io/serviceaccount: Shoal has no Kubernetes API for pods to call", sa)
}

// noteServiceAccount records serviceAccountNote as a Normal event
// NoServiceAccountToken, once per worker.
func (w *worker) noteServiceAccount() {
	if msg := serviceAccountNote(&w.pod.Spec); msg != "" {
		w.event(nil, "Normal", "NoServiceAccountToken", msg)
	}
}
