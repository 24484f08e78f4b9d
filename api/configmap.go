package api

func init() {
	register(&Kind{
		Name: "ConfigMap", APIVersion: "v1", Plural: "configmaps",
		Aliases: []string{"configmap", "cm"}, Namespaced: true, UserWritable: true,
		New: func() Object { return &ConfigMap{} },
	})
}

// ConfigMap holds configuration data for pods.
type ConfigMap struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Data holds UTF-8 values by key.
	Data map[string]string `json:"data,omitempty"`
	// BinaryData holds binary values by key (base64 in JSON).
	BinaryData map[string][]byte `json:"binaryData,omitempty"`
	// Immutable, once true, refuses every change to data and binaryData
	// and to immutable itself; only deleting the ConfigMap remains.
	Immutable *bool `json:"immutable,omitempty"`
}
