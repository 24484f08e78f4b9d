package api

import (
	"os"
	"testing"
)

func TestSmoke(t *testing.T) {
	for _, f := range []string{"testdata/all-kinds.yaml", "testdata/cluster-kinds.yaml"} {
		b, _ := os.ReadFile(f)
		objs, err := Decode(b)
		t.Log(len(objs), err)
	}
}
