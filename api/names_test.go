package api

import (
	"strings"
	"testing"
)

func TestNameCheckers(t *testing.T) {
	tests := []struct {
		check string
		fn    func(string) string
		in    string
		valid bool
	}{
		{"label", dnsLabelError, "web", true},
		{"label", dnsLabelError, "web-1", true},
		{"label", dnsLabelError, "1web", true},
		{"label", dnsLabelError, strings.Repeat("a", 63), true},
		{"label", dnsLabelError, strings.Repeat("a", 64), false},
		{"label", dnsLabelError, "", false},
		{"label", dnsLabelError, "Web", false},
		{"label", dnsLabelError, "web-", false},
		{"label", dnsLabelError, "-web", false},
		{"label", dnsLabelError, "web.v2", false},
		{"label", dnsLabelError, "web_1", false},
		{"1035", dns1035LabelError, "web", true},
		{"1035", dns1035LabelError, "1web", false},
		{"1035", dns1035LabelError, "", false},
		{"subdomain", dnsSubdomainError, "web.v2", true},
		{"subdomain", dnsSubdomainError, "a.b.c", true},
		{"subdomain", dnsSubdomainError, "a..b", false},
		{"subdomain", dnsSubdomainError, ".a", false},
		{"subdomain", dnsSubdomainError, "a.", false},
		{"subdomain", dnsSubdomainError, "a.-b", false},
		{"subdomain", dnsSubdomainError, strings.Repeat("a.", 126) + "a", true},
		{"subdomain", dnsSubdomainError, strings.Repeat("a.", 126) + "ab", false},
		{"subdomain", dnsSubdomainError, strings.Repeat("a", 64) + ".b", false},
		{"wildcard", wildcardDNSSubdomainError, "*.example.com", true},
		{"wildcard", wildcardDNSSubdomainError, "example.com", true},
		{"wildcard", wildcardDNSSubdomainError, "*", false},
		{"wildcard", wildcardDNSSubdomainError, "*.", false},
		{"wildcard", wildcardDNSSubdomainError, "a*.example.com", false},
		{"wildcard", wildcardDNSSubdomainError, "*.*.example.com", false},
		{"key", qualifiedNameError, "app", true},
		{"key", qualifiedNameError, "App_Name.v1", true},
		{"key", qualifiedNameError, "app.kubernetes.io/name", true},
		{"key", qualifiedNameError, "example.com/", false},
		{"key", qualifiedNameError, "/name", false},
		{"key", qualifiedNameError, "a/b/c", false},
		{"key", qualifiedNameError, "Example.com/name", false},
		{"key", qualifiedNameError, "_app", false},
		{"key", qualifiedNameError, strings.Repeat("a", 64), false},
		{"value", labelValueError, "", true},
		{"value", labelValueError, "v1.2_3-b", true},
		{"value", labelValueError, "v1 ", false},
		{"value", labelValueError, "a/b", false},
		{"port", ianaSvcNameError, "http", true},
		{"port", ianaSvcNameError, "http-alt2", true},
		{"port", ianaSvcNameError, "8080", false},
		{"port", ianaSvcNameError, "http--alt", false},
		{"port", ianaSvcNameError, "metrics-endpoint", false},
		{"port", ianaSvcNameError, "HTTP", false},
		{"configkey", configKeyError, "app.properties", true},
		{"configkey", configKeyError, ".env", true},
		{"configkey", configKeyError, "a b", false},
		{"configkey", configKeyError, "a/b", false},
		{"configkey", configKeyError, "..", false},
	}
	for _, tt := range tests {
		t.Run(tt.check+" "+truncate(tt.in, 20), func(t *testing.T) {
			msg := tt.fn(tt.in)
			if got := msg == ""; got != tt.valid {
				t.Errorf("%s(%q) valid = %t (%q), want %t", tt.check, tt.in, got, msg, tt.valid)
			}
		})
	}
}

func TestValidateLabels(t *testing.T) {
	tests := []struct {
		labels map[string]string
		want   string // "" for valid
	}{
		{map[string]string{"zone": "eu-1", "example.com/tier": ""}, ""},
		{map[string]string{"bad key": "x"}, `label key "bad key"`},
		{map[string]string{"zone": "eu 1"}, `label "zone" value "eu 1"`},
		{nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			err := ValidateLabels(tt.labels)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ValidateLabels(%v) = %v, want nil", tt.labels, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("ValidateLabels(%v) = %v, want an error containing %q", tt.labels, err, tt.want)
			}
		})
	}
}
