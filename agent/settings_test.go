package agent

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

// cluster96 is a cluster created with --service-cidr 10.96.0.0/16 and
// defaults otherwise.
func cluster96() *api.ClusterConfigSpec {
	return &api.ClusterConfigSpec{
		ClusterCIDR:   "10.42.0.0/16",
		ServiceCIDR:   "10.96.0.0/16",
		ClusterDomain: "cluster.local",
		NodePortRange: "30000-32767",
		NodeGrace:     api.Duration(5 * time.Second),
		FenceAfter:    api.Duration(10 * time.Second),
		PodSecurity:   api.PodSecurityBaseline,
	}
}

func TestCheckSettings(t *testing.T) {
	tests := []struct {
		name     string
		explicit map[string]string // flag → value given on the command line
		want     []string          // one line per conflicting flag
	}{
		{name: "no flags: the cluster's values are taken"},
		{name: "same value", explicit: map[string]string{"service-cidr": "10.96.0.0/16"}},
		{name: "same network written with host bits", explicit: map[string]string{"service-cidr": "10.96.0.1/16"}},
		{name: "same domain in another case, rooted", explicit: map[string]string{"cluster-domain": "Cluster.Local."}},
		{name: "same duration written otherwise", explicit: map[string]string{"node-grace": "5000ms"}},
		{name: "same port range with spaces", explicit: map[string]string{"node-port-range": "30000 - 32767"}},
		{
			name:     "conflicting service CIDR",
			explicit: map[string]string{"service-cidr": "10.43.0.0/16"},
			want:     []string{"--service-cidr 10.43.0.0/16 conflicts with the cluster's 10.96.0.0/16, agreed when the cluster was created; drop the flag or use the cluster's value"},
		},
		{
			name:     "every conflict is named",
			explicit: map[string]string{"cluster-domain": "other.local", "fence-after": "3s", "cluster-cidr": "10.42.0.0/16"},
			want: []string{
				"--cluster-domain other.local conflicts with the cluster's cluster.local, agreed when the cluster was created; drop the flag or use the cluster's value",
				"--fence-after 3s conflicts with the cluster's 10s, agreed when the cluster was created; drop the flag or use the cluster's value",
			},
		},
		{
			name:     "conflicting pod security level",
			explicit: map[string]string{"pod-security": "privileged"},
			want:     []string{"--pod-security privileged conflicts with the cluster's baseline, agreed when the cluster was created; drop the flag or use the cluster's value"},
		},
		{name: "same pod security level", explicit: map[string]string{"pod-security": "baseline"}},
		{
			name:     "conflicting replica cap",
			explicit: map[string]string{"max-replicas": "20"},
			want:     []string{"--max-replicas 20 conflicts with the cluster's 0, agreed when the cluster was created; drop the flag or use the cluster's value"},
		},
		{
			name:     "conflicting node port range",
			explicit: map[string]string{"node-port-range": "31000-31999"},
			want:     []string{"--node-port-range 31000-31999 conflicts with the cluster's 30000-32767, agreed when the cluster was created; drop the flag or use the cluster's value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{ExplicitFlags: map[string]bool{}}
			c.SetDefaults()
			for flag, v := range tt.explicit {
				setFlag(t, &c, flag, v)
				c.ExplicitFlags[flag] = true
			}
			err := checkSettings(&c, cluster96())
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("conflicts (-want +got):\n%s", diff)
			}
		})
	}
}

// setFlag sets the Config field of a cluster-wide setting as its flag
// would.
func setFlag(t *testing.T, c *Config, flag, v string) {
	t.Helper()
	var err error
	switch flag {
	case "cluster-cidr":
		c.ClusterCIDR = v
	case "service-cidr":
		c.ServiceCIDR = v
	case "cluster-domain":
		c.ClusterDomain = v
	case "node-port-range":
		c.NodePortRange = v
	case "node-grace":
		c.NodeGrace, err = time.ParseDuration(v)
	case "fence-after":
		c.FenceAfter, err = time.ParseDuration(v)
	case "pod-security":
		c.PodSecurity = api.PodSecurityLevel(v)
	case "max-replicas":
		c.MaxReplicas, err = strconv.Atoi(v)
	default:
		t.Fatalf("no setting %q", flag)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestSettingFlagsAreAgentFlags(t *testing.T) {
	// Every setting can be set through setFlag, and so through Config.
	for _, flag := range SettingFlags() {
		t.Run(flag, func(t *testing.T) {
			c := Config{}
			c.SetDefaults()
			before := clusterSpecOf(&c)
			v := map[string]string{"cluster-cidr": "10.50.0.0/16", "service-cidr": "10.60.0.0/16", "cluster-domain": "x.example",
				"node-port-range": "1000-2000", "node-grace": "1m0s", "fence-after": "2m0s", "pod-security": "restricted", "max-replicas": "50"}[flag]
			setFlag(t, &c, flag, v)
			if clusterSpecOf(&c) == before {
				t.Errorf("setting --%s %s did not change the cluster spec", flag, v)
			}
		})
	}
}

func TestAdoptSettings(t *testing.T) {
	c := Config{Name: "n2", ExplicitFlags: map[string]bool{}}
	c.SetDefaults()
	adoptSettings(&c, cluster96())
	if got, want := clusterSpecOf(&c), *cluster96(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if c.Name != "n2" || c.DataDir != DefaultDataDir {
		t.Errorf("adopting settings changed other fields: name %q, data dir %q", c.Name, c.DataDir)
	}
}

func TestClusterSpecOfIsCanonical(t *testing.T) {
	c := Config{ClusterCIDR: "10.42.7.1/16", ServiceCIDR: "10.96.3.3/16", ClusterDomain: "Cluster.Local."}
	c.SetDefaults()
	got := clusterSpecOf(&c)
	want := api.ClusterConfigSpec{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.96.0.0/16", ClusterDomain: "cluster.local",
		NodePortRange: DefaultNodePortRange, NodeGrace: api.Duration(DefaultNodeGrace), FenceAfter: api.Duration(DefaultFenceAfter),
		PodSecurity: api.PodSecurityBaseline}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	cc, _ := api.New("ClusterConfig")
	cc.(*api.ClusterConfig).Name, cc.(*api.ClusterConfig).Spec = api.ClusterConfigName, got
	if err := api.Validate(cc); err != nil {
		t.Errorf("the spec of a valid Config does not validate: %v", err)
	}
}
