package pods

import (
	"testing"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
)

// TestApplySecuritySeccompAndEscalation maps seccompProfile and
// allowPrivilegeEscalation onto the runtime config.
func TestApplySecuritySeccompAndEscalation(t *testing.T) {
	yes, no := true, false
	unconfined := &api.SeccompProfile{Type: api.SeccompUnconfined}
	runtimeDefault := &api.SeccompProfile{Type: api.SeccompRuntimeDefault}
	tests := []struct {
		name           string
		pod            *api.PodSecurityContext
		container      *api.SecurityContext
		wantUnconfined bool
		wantNoNewPrivs bool
		wantErr        bool
	}{
		{name: "nothing set: RuntimeDefault, escalation allowed"},
		{name: "escalation false", container: &api.SecurityContext{AllowPrivilegeEscalation: &no}, wantNoNewPrivs: true},
		{name: "escalation true", container: &api.SecurityContext{AllowPrivilegeEscalation: &yes}},
		{name: "pod Unconfined", pod: &api.PodSecurityContext{SeccompProfile: unconfined}, wantUnconfined: true},
		{name: "container RuntimeDefault overrides pod Unconfined", pod: &api.PodSecurityContext{SeccompProfile: unconfined},
			container: &api.SecurityContext{SeccompProfile: runtimeDefault}},
		{name: "container Unconfined overrides pod RuntimeDefault", pod: &api.PodSecurityContext{SeccompProfile: runtimeDefault},
			container: &api.SecurityContext{SeccompProfile: unconfined}, wantUnconfined: true},
		{name: "Localhost refused", container: &api.SecurityContext{SeccompProfile: &api.SeccompProfile{Type: api.SeccompLocalhost}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg runtime.ContainerConfig
			err := applySecurity(&cfg, tt.pod, tt.container)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if cfg.SeccompUnconfined != tt.wantUnconfined || cfg.NoNewPrivileges != tt.wantNoNewPrivs {
				t.Errorf("got unconfined %v, no_new_privs %v; want %v, %v", cfg.SeccompUnconfined, cfg.NoNewPrivileges, tt.wantUnconfined, tt.wantNoNewPrivs)
			}
		})
	}
}
