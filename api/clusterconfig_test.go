package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in        string
		low, high int32
		wantErr   string
	}{
		{"30000-32767", 30000, 32767, ""},
		{" 80 - 90 ", 80, 90, ""},
		{"8080", 8080, 8080, ""},
		{"1-65535", 1, 65535, ""},
		{"a-b", 0, 0, `port range "a-b": want LOW-HIGH, e.g. 30000-32767`},
		{"", 0, 0, "want LOW-HIGH"},
		{"0-10", 0, 0, "both ends must be 1-65535, got 0-10"},
		{"30000-70000", 0, 0, "both ends must be 1-65535"},
		{"32767-30000", 0, 0, "low end 32767 is above high end 30000"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			low, high, err := ParsePortRange(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %d-%d, %v; want an error containing %q", low, high, err, tt.wantErr)
				}
				return
			}
			if err != nil || low != tt.low || high != tt.high {
				t.Fatalf("got %d-%d, %v; want %d-%d", low, high, err, tt.low, tt.high)
			}
		})
	}
}

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(Duration(90 * time.Second))
	if err != nil || string(b) != `"1m30s"` {
		t.Fatalf("got %s, %v; want \"1m30s\"", b, err)
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"500ms"`), &d); err != nil || d != Duration(500*time.Millisecond) {
		t.Fatalf("got %s, %v; want 500ms", d, err)
	}
	for _, bad := range []string{`5`, `"5"`, `"soon"`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil || !strings.Contains(err.Error(), `like "5s"`) {
			t.Errorf("%s: got %v, want an error asking for a duration like \"5s\"", bad, err)
		}
	}
}

func TestValidateClusterConfig(t *testing.T) {
	valid := `{"apiVersion":"shoal.dev/v1","kind":"ClusterConfig","metadata":{"name":"cluster"},"spec":{"clusterCIDR":"10.42.0.0/16","serviceCIDR":"10.43.0.0/16","clusterDomain":"cluster.local","nodePortRange":"30000-32767","nodeGrace":"5s","fenceAfter":"10s"}}`
	tests := []struct {
		name    string
		edit    func(*ClusterConfig)
		wantErr string
	}{
		{"valid", func(*ClusterConfig) {}, ""},
		{"other name", func(c *ClusterConfig) { c.Name = "mine" }, `metadata.name: got "mine", want "cluster"`},
		{"cluster CIDR not IPv4", func(c *ClusterConfig) { c.Spec.ClusterCIDR = "fd00::/64" }, "spec.clusterCIDR: got \"fd00::/64\", want an IPv4 CIDR"},
		{"cluster CIDR too small", func(c *ClusterConfig) { c.Spec.ClusterCIDR = "10.42.0.0/24" }, "spec.clusterCIDR: 10.42.0.0/24 is too small"},
		{"service CIDR overlaps", func(c *ClusterConfig) { c.Spec.ServiceCIDR = "10.42.128.0/20" }, "spec.serviceCIDR: 10.42.128.0/20 overlaps the cluster CIDR 10.42.0.0/16"},
		{"no domain", func(c *ClusterConfig) { c.Spec.ClusterDomain = "" }, "spec.clusterDomain: required"},
		{"bad port range", func(c *ClusterConfig) { c.Spec.NodePortRange = "99999" }, "spec.nodePortRange: port range \"99999\": both ends must be 1-65535"},
		{"negative grace", func(c *ClusterConfig) { c.Spec.NodeGrace = -1 }, "spec.nodeGrace: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := DecodeObject([]byte(valid), DecodeOptions{Stored: true})
			if err != nil {
				t.Fatal(err)
			}
			c := obj.(*ClusterConfig)
			tt.edit(c)
			err = Validate(c)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzParsePortRange: the --node-port-range parser never panics, and what
// it accepts is a real range of ports.
func FuzzParsePortRange(f *testing.F) {
	for _, s := range []string{"30000-32767", "80", " 1 - 65535 ", "5-4", "0-10", "a-b", "-", "99999999999-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lo, hi, err := ParsePortRange(s)
		if err != nil {
			return
		}
		if lo < 1 || hi > 65535 || lo > hi {
			t.Fatalf("ParsePortRange(%q) = %d-%d, want 1 <= low <= high <= 65535", s, lo, hi)
		}
	})
}
