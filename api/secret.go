package api

func init() {
	register(&Kind{
		Name: "Secret", APIVersion: "v1", Plural: "secrets",
		Aliases: []string{"secret"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &Secret{} },
	})
}

// SecretType says what a secret holds and which keys it must have.
type SecretType string

// Secret types.
const (
	// SecretTypeOpaque holds arbitrary data (the default).
	SecretTypeOpaque SecretType = "Opaque"
	// SecretTypeTLS holds a certificate chain in "tls.crt" and its key in
	// "tls.key", e.g. for an ingress.
	SecretTypeTLS SecretType = "kubernetes.io/tls"
	// SecretTypeDockerConfigJSON holds registry credentials in
	// ".dockerconfigjson".
	SecretTypeDockerConfigJSON SecretType = "kubernetes.io/dockerconfigjson"
)

// Keys of well-known secret types.
const (
	// TLSCertKey is the certificate chain of a kubernetes.io/tls secret.
	TLSCertKey = "tls.crt"
	// TLSPrivateKeyKey is the private key of a kubernetes.io/tls secret.
	TLSPrivateKeyKey = "tls.key"
	// DockerConfigJSONKey is the credentials of a
	// kubernetes.io/dockerconfigjson secret.
	DockerConfigJSONKey = ".dockerconfigjson"
)

// Secret holds sensitive data for pods: environment variables, files, TLS
// keys.
type Secret struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Type is Opaque (default), kubernetes.io/tls or
	// kubernetes.io/dockerconfigjson; any other string is kept as is.
	Type SecretType `json:"type,omitempty"`
	// Data holds the values by key (base64 in JSON and YAML).
	Data map[string][]byte `json:"data,omitempty"`
	// StringData is a write-only convenience: its plain-text values are
	// moved into Data (replacing the same key there) when the secret is
	// defaulted, and it is never stored.
	StringData map[string]string `json:"stringData,omitempty"`
	// Immutable, once true, refuses every change to type and data and to
	// immutable itself; only deleting the Secret remains.
	Immutable *bool `json:"immutable,omitempty"`
}
