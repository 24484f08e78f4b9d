package pods

import (
	"fmt"
	"strings"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// secretTypeDockerCfg is the legacy docker config Secret, which kubelet
// still reads for imagePullSecrets; its data is in dockerCfgKey.
const secretTypeDockerCfg api.SecretType = "kubernetes.io/dockercfg"

// dockerCfgKey holds a kubernetes.io/dockercfg Secret's credentials.
const dockerCfgKey = ".dockercfg"

// pullCredentials gathers the registry credentials of the pod's
// imagePullSecrets, in order (the first to name a registry wins). It
// returns, as kubelet's event does, what it could not use: a missing
// Secret, one of another type, one that does not parse. The pull goes on
// without those; if the registry wants them it fails (ErrImagePull).
func pullCredentials(view View, pod *api.Pod) (runtime.PullCredentials, []string) {
	var all runtime.PullCredentials
	var problems []string
	for _, ref := range pod.Spec.ImagePullSecrets {
		o, ok := view.Get("Secret", pod.Namespace, ref.Name)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s (not found)", ref.Name))
			continue
		}
		s := o.(*api.Secret)
		var creds runtime.PullCredentials
		var err error
		switch s.Type {
		case api.SecretTypeDockerConfigJSON:
			creds, err = runtime.ParseDockerConfigJSON(s.Data[api.DockerConfigJSONKey])
		case secretTypeDockerCfg:
			creds, err = runtime.ParseDockerCfg(s.Data[dockerCfgKey])
		default:
			err = fmt.Errorf("type %s, want %s", s.Type, api.SecretTypeDockerConfigJSON)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s (%v)", ref.Name, err))
			continue
		}
		all.Add(creds)
	}
	return all, problems
}

// pullSecretsMessage is the event message for unusable pull secrets, in
// kubelet's words.
func pullSecretsMessage(problems []string) string {
	return fmt.Sprintf("Unable to retrieve some image pull secrets (%s); attempting to pull the image may not succeed.", strings.Join(problems, ", "))
}
