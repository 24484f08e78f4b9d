package api

import (
	"fmt"
	"strings"
)

// Limits on names, from Kubernetes.
const (
	// MaxDNSLabelLength is the longest DNS label.
	MaxDNSLabelLength = 63
	// MaxDNSSubdomainLength is the longest DNS subdomain.
	MaxDNSSubdomainLength = 253
	// maxIANASvcNameLength is the longest named port.
	maxIANASvcNameLength = 15
)

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isLowerAlnum(c) || c >= 'A' && c <= 'Z' }

// dnsLabelError returns why s is not a DNS-1123 label ("" if it is one):
// at most 63 lower-case letters, digits and '-', starting and ending with a
// letter or digit.
func dnsLabelError(s string) string {
	const want = "must be a DNS label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
	if s == "" || len(s) > MaxDNSLabelLength {
		return want
	}
	for i := 0; i < len(s); i++ {
		if !isLowerAlnum(s[i]) && s[i] != '-' {
			return want
		}
	}
	if s[0] == '-' || s[len(s)-1] == '-' {
		return want
	}
	return ""
}

// dns1035LabelError is dnsLabelError, but s must also start with a letter
// (Service names).
func dns1035LabelError(s string) string {
	if msg := dnsLabelError(s); msg != "" || s[0] < 'a' || s[0] > 'z' {
		return "must be a DNS label that starts with a letter: at most 63 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
	}
	return ""
}

// dnsSubdomainError returns why s is not a DNS-1123 subdomain ("" if it is
// one): at most 253 characters, dot-separated DNS labels.
func dnsSubdomainError(s string) string {
	const want = "must be a DNS subdomain: at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
	if s == "" || len(s) > MaxDNSSubdomainLength {
		return want
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > MaxDNSLabelLength || dnsLabelError(label) != "" {
			return want
		}
	}
	return ""
}

// wildcardDNSSubdomainError accepts a DNS subdomain, or one whose first
// label is "*" ("*.example.com").
func wildcardDNSSubdomainError(s string) string {
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		if msg := dnsSubdomainError(rest); msg != "" {
			return "must be a DNS name, optionally with \"*.\" in front: " + msg
		}
		return ""
	}
	if strings.Contains(s, "*") {
		return "a wildcard is only allowed as the whole first label, e.g. \"*.example.com\""
	}
	return dnsSubdomainError(s)
}

// labelNameError checks the name part of a label key, or a label value
// when allowEmpty: at most 63 of [A-Za-z0-9-_.], starting and ending with
// a letter or digit.
func labelNameError(s string, allowEmpty bool) string {
	const want = "must be at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
	if s == "" {
		if allowEmpty {
			return ""
		}
		return want
	}
	if len(s) > MaxDNSLabelLength {
		return want
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return want
		}
	}
	if !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return want
	}
	return ""
}

// qualifiedNameError checks a label or annotation key: an optional DNS
// subdomain prefix and '/', then a name.
func qualifiedNameError(s string) string {
	prefix, name, hasPrefix := strings.Cut(s, "/")
	if !hasPrefix {
		name = s
	} else if msg := dnsSubdomainError(prefix); msg != "" {
		return "prefix before '/' " + msg
	}
	if msg := labelNameError(name, false); msg != "" {
		if hasPrefix {
			return "name after '/' " + msg
		}
		return "must be a name of " + strings.TrimPrefix(msg, "must be ") + ", with an optional DNS-subdomain prefix and '/'"
	}
	return ""
}

// labelValueError checks a label value: empty or a label name.
func labelValueError(s string) string { return labelNameError(s, true) }

// ianaSvcNameError checks a port name: at most 15 lower-case letters, digits
// and '-', with at least one letter, no "--", not starting or ending in '-'.
func ianaSvcNameError(s string) string {
	const want = "must be a port name: at most 15 lower-case letters, digits and '-', with at least one letter, no \"--\", starting and ending with a letter or digit"
	if s == "" || len(s) > maxIANASvcNameLength || strings.Contains(s, "--") {
		return want
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLowerAlnum(c) && c != '-' {
			return want
		}
		if c >= 'a' && c <= 'z' {
			letter = true
		}
	}
	if !letter || s[0] == '-' || s[len(s)-1] == '-' {
		return want
	}
	return ""
}

// configKeyError checks a ConfigMap or Secret key: at most 253 of
// [-._a-zA-Z0-9], and not "." or "..".
func configKeyError(s string) string {
	const want = "must be a key of at most 253 letters, digits, '-', '_' and '.'"
	if s == "" || len(s) > MaxDNSSubdomainLength {
		return want
	}
	if s == "." || s == ".." {
		return "may not be '.' or '..'"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return want
		}
	}
	return ""
}

// quote formats a value for an error message, shortened if long.
func quote(s string) string { return fmt.Sprintf("%q", truncate(s, 80)) }

// IsDNSLabel reports whether s is a DNS-1123 label: what node names (the
// agent's --name) must be.
func IsDNSLabel(s string) bool { return dnsLabelError(s) == "" }
