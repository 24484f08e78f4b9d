package controller

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// safeAlphabet has no vowels (no words in generated names) and no
// look-alikes (0/o, 1/l, 3/e): the alphabet Kubernetes uses for hashes and
// name suffixes.
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// suffixLen is the length of generated name suffixes.
const suffixLen = 5

// maxGeneratedBase is the longest prefix a generated pod name keeps, so
// that prefix plus suffix is at most a DNS label (63).
const maxGeneratedBase = api.MaxDNSLabelLength - suffixLen

// TemplateHash names a revision of a pod template: FNV-32a of the
// template's canonical JSON (Go encodes map keys sorted), its decimal
// digits mapped onto a safe lower-case alphabet, like Kubernetes'
// pod-template-hash ("5d9c7b8f6"). Equal templates have equal hashes on
// every replica and every version of this package that keeps the API
// types.
func TemplateHash(t *api.PodTemplateSpec) string { return templateHash(canonicalTemplate(t, ""), 0) }

// templateHash hashes canonical template JSON; collisions > 0 gives the
// alternatives used when a name is taken by a different template.
func templateHash(canonical []byte, collisions int) string {
	h := fnv.New32a()
	h.Write(canonical)
	if collisions > 0 {
		h.Write([]byte(strconv.Itoa(collisions)))
	}
	return safeEncode(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// canonicalTemplate returns t as JSON without the label drop (the hash
// label a ReplicaSet adds to its deployment's template). It does not
// modify t.
func canonicalTemplate(t *api.PodTemplateSpec, drop string) []byte {
	c := *t
	if _, ok := c.Labels[drop]; ok && drop != "" {
		c.Labels = maps.Clone(c.Labels)
		delete(c.Labels, drop)
	}
	b, err := json.Marshal(&c)
	if err != nil {
		// API types always marshal; a failure is a programming error.
		panic(fmt.Sprintf("controller: marshal pod template: %v", err))
	}
	return b
}

// safeEncode maps every byte of s onto safeAlphabet.
func safeEncode(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = safeAlphabet[int(b[i])%len(safeAlphabet)]
	}
	return string(b)
}

// nameSuffix returns suffixLen characters of safeAlphabet derived from
// seed: the stand-in for Kubernetes' random generateName suffix, but
// deterministic, so every leader computes the same names.
func nameSuffix(seed string) string {
	h := fnv.New64a()
	h.Write([]byte(seed))
	v := h.Sum64()
	out := make([]byte, suffixLen)
	for i := range out {
		out[i] = safeAlphabet[v%uint64(len(safeAlphabet))]
		v /= uint64(len(safeAlphabet))
	}
	return string(out)
}

// generatedName is base + "-" + nameSuffix(seed), the base shortened so
// the name fits a DNS label.
func generatedName(base, seed string) string {
	prefix := base + "-"
	if len(prefix) > maxGeneratedBase {
		prefix = prefix[:maxGeneratedBase]
	}
	return prefix + nameSuffix(seed)
}
