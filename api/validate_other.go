package api

import "net/netip"

// maxConfigSize caps the data of a ConfigMap or Secret.
const maxConfigSize = 1 << 20

func validateConfigMap(e *errs, cm *ConfigMap) {
	size := 0
	for _, k := range sortedKeys(cm.Data) {
		e.check(key("data", k), k, configKeyError(k))
		size += len(k) + len(cm.Data[k])
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		e.check(key("binaryData", k), k, configKeyError(k))
		if _, dup := cm.Data[k]; dup {
			e.add(key("binaryData", k), "key is also in data")
		}
		size += len(k) + len(cm.BinaryData[k])
	}
	if size > maxConfigSize {
		e.add("data", "too large: %d bytes, at most %d", size, maxConfigSize)
	}
}

func validateSecret(e *errs, s *Secret) {
	size := 0
	for _, k := range sortedKeys(s.Data) {
		e.check(key("data", k), k, configKeyError(k))
		size += len(k) + len(s.Data[k])
	}
	for _, k := range sortedKeys(s.StringData) {
		e.check(key("stringData", k), k, configKeyError(k))
		size += len(k) + len(s.StringData[k])
	}
	if size > maxConfigSize {
		e.add("data", "too large: %d bytes, at most %d", size, maxConfigSize)
	}
	has := func(k string) bool {
		_, inData := s.Data[k]
		_, inString := s.StringData[k]
		return inData || inString
	}
	switch s.Type {
	case "":
		e.required("type")
	case SecretTypeTLS:
		for _, k := range []string{TLSCertKey, TLSPrivateKeyKey} {
			if !has(k) {
				e.add(key("data", k), "required for type %s", s.Type)
			}
		}
	case SecretTypeDockerConfigJSON:
		if !has(DockerConfigJSONKey) {
			e.add(key("data", DockerConfigJSONKey), "required for type %s", s.Type)
		}
	}
}

var nodeResourceNames = map[string]bool{ResourceCPU: true, ResourceMemory: true, ResourceEphemeralStorage: true, ResourcePods: true}

func validateNode(e *errs, n *Node) {
	validateTaints(e, "spec.taints", n.Spec.Taints)
	if c := n.Spec.PodCIDR; c != "" {
		if _, err := netip.ParsePrefix(c); err != nil {
			e.invalid("spec.podCIDR", c, "must be a CIDR like 10.42.3.0/24")
		}
	}
	for _, list := range []struct {
		name string
		rl   ResourceList
	}{{"status.capacity", n.Status.Capacity}, {"status.allocatable", n.Status.Allocatable}} {
		for _, name := range sortedKeys(list.rl) {
			p := key(list.name, name)
			if !nodeResourceNames[name] {
				e.add(p, "unknown resource %s (want cpu, memory, ephemeral-storage or pods)", quote(name))
			}
			if list.rl[name].Sign() < 0 {
				e.add(p, "must not be negative, got %s", list.rl[name])
			}
		}
	}
	seen := map[NodeConditionType]bool{}
	for i, c := range n.Status.Conditions {
		p := index("status.conditions", i)
		switch {
		case c.Type == "":
			e.required(child(p, "type"))
		case seen[c.Type]:
			e.add(child(p, "type"), "duplicate condition %s", quote(string(c.Type)))
		}
		seen[c.Type] = true
		validateConditionStatus(e, child(p, "status"), c.Status)
	}
	for i, a := range n.Status.Addresses {
		p := index("status.addresses", i)
		switch a.Type {
		case NodeInternalIP:
			if a.Address == "" {
				e.required(child(p, "address"))
			} else {
				validateIP(e, child(p, "address"), a.Address)
			}
		case NodeHostname:
			if a.Address == "" {
				e.required(child(p, "address"))
			}
		default:
			e.add(child(p, "type"), "unknown address type %s (want InternalIP or Hostname)", quote(string(a.Type)))
		}
	}
}
