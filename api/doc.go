// Package api owns Shoal's object model: the Kubernetes-shaped kinds users
// apply (Deployment, StatefulSet, DaemonSet, Service, Ingress, ConfigMap,
// Secret, Namespace) and the ones the cluster writes (Node, Pod), with their
// defaults, validation and strict YAML/JSON decoding.
//
// api imports nothing else from Shoal and does no I/O. Types carry only the
// fields Shoal supports: a manifest that uses any other field is rejected by
// the decoder, never silently ignored.
//
// The entry points:
//
//   - Decode reads a manifest (multi-document YAML, JSON, or a List) into
//     defaulted, validated objects, or returns every problem, each naming
//     the document, object and field. DecodeObject does the same for one
//     JSON body (the HTTP API), and reads back objects the cluster stored
//     (DecodeOptions.Stored); Encode and EncodeYAML write
//     objects back out.
//   - Default fills in what a manifest may leave out; Validate checks an
//     object and returns an ErrorList of FieldErrors with field paths.
//   - Quantity ("250m", "64Mi") and IntOrString (8080 or "http") are the
//     value types of resources and ports; LabelSelector, SelectorFromMap
//     and ParseSelector ("app=web,tier in (a,b)") select by labels.
//   - The Kind registry (LookupKind, Kinds, New, KindOf) maps names to kinds.
package api
