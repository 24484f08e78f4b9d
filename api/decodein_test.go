package api

import (
	"strings"
	"testing"
)

func TestDecodeCheckedIn(t *testing.T) {
	tests := []struct {
		name, namespace, input string
		wantNS, wantErr        string
	}{
		{name: "no namespace goes to the given one", namespace: "shop", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", wantNS: "shop"},
		{name: "the same namespace is fine", namespace: "shop", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n", wantNS: "shop"},
		{name: "another namespace is refused", namespace: "shop", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: web}\n",
			wantErr: `document 1 (ConfigMap "c"): metadata.namespace: "web" does not match the namespace "shop" given with --namespace`},
		{name: "a cluster object is left alone", namespace: "shop", input: "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n", wantNS: ""},
		{name: "without a namespace, default", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", wantNS: "default"},
		{name: "a bad namespace name", namespace: "Shop!", input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", wantErr: `namespace "Shop!"`},
		{name: "no metadata still names the missing name", namespace: "shop", input: "apiVersion: v1\nkind: ConfigMap\n", wantErr: "metadata.name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := DecodeCheckedIn([]byte(tc.input), tc.namespace, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := objs[0].GetObjectMeta().Namespace; got != tc.wantNS {
				t.Errorf("got namespace %q, want %q", got, tc.wantNS)
			}
		})
	}
}
