package runtime

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/internal/testimage"
)

func TestImportImages(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	ctx := context.Background()
	var refs []string
	imgs, err := r.ListImages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		refs = append(refs, img.Ref)
		if !strings.HasPrefix(img.Digest, "sha256:") || img.Size <= 0 {
			t.Errorf("image %+v: want a sha256 digest and a size", img)
		}
	}
	for _, want := range []string{testimage.BusyboxRef, testimage.TestServerRef} {
		if !slices.Contains(refs, want) {
			t.Errorf("images %v lack %s", refs, want)
		}
		if _, err := r.GetImage(ctx, want); err != nil {
			t.Errorf("get %s: %v", want, err)
		}
	}
	if _, err := r.GetImage(ctx, "nosuchimage"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get missing image: got %v, want ErrNotFound", err)
	}
}

func TestImportGarbage(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	for name, input := range map[string]string{
		"text":  "this is not a tarball",
		"empty": "",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := r.ImportImages(context.Background(), strings.NewReader(input))
			if err == nil || !strings.Contains(err.Error(), "import images") {
				t.Fatalf("got %v, want an import images error", err)
			}
		})
	}
}

func TestNormalizeRef(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                   "docker.io/library/busybox:latest",
		"busybox:1.36":              "docker.io/library/busybox:1.36",
		"example.com:5000/a/b":      "example.com:5000/a/b:latest",
		testimage.BusyboxRef:        testimage.BusyboxRef,
		"quay.io/x/y@sha256:" + sha: "quay.io/x/y@sha256:" + sha,
	} {
		got, err := NormalizeRef(in)
		if err != nil || got != want {
			t.Errorf("NormalizeRef(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeRef("Bad Ref"); err == nil {
		t.Error("NormalizeRef accepted an invalid reference")
	}
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
