package apiserver

import (
	"encoding/json"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// FuzzAPIRequest feeds arbitrary bodies to the decoders the HTTP API runs
// on requests: manifests (apply, delete -f), single objects (PUT) and
// join requests (forwarded command results: propose.FuzzWireResult). None
// may panic; what decodes must re-encode.
func FuzzAPIRequest(f *testing.F) {
	f.Add("ConfigMap", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n"))
	f.Add("Deployment", []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}}}}`))
	f.Add("Service", []byte(`{"kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}]}`))
	f.Add("Node", []byte(`{"name":"n2","secret":"abc","csr":"-----BEGIN CERTIFICATE REQUEST-----","addr":"10.0.0.2"}`))
	f.Add("Secret", []byte(`{"objects":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}],"code":"conflict","error":"x"}`))
	f.Fuzz(func(t *testing.T, kind string, body []byte) {
		if objs, err := api.Decode(body); err == nil {
			for _, o := range objs {
				if _, err := json.Marshal(o); err != nil {
					t.Fatalf("decoded object does not encode: %v", err)
				}
			}
		}
		if k, ok := api.LookupKind(kind); ok {
			_, _ = api.DecodeObject(body, api.DecodeOptions{Kind: k.Name})
		}
		var jr JoinRequest
		_ = json.Unmarshal(body, &jr)
		_, _ = api.DecodeObject(body, api.DecodeOptions{Stored: true})
	})
}
