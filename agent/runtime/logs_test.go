package runtime

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReadLogTail(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		tail    int
		want    string
	}{
		{"all", "a\nb\nc\n", -1, "a\nb\nc\n"},
		{"last two", "a\nb\nc\n", 2, "b\nc\n"},
		{"more than there are", "a\nb\n", 10, "a\nb\n"},
		{"zero", "a\nb\n", 0, ""},
		{"partial last line", "a\nb\nc", 2, "b\nc"},
		{"empty file", "", 3, ""},
		{"empty lines", "\n\n\n", 2, "\n\n"},
		{"long file", strings.Repeat("x\n", 100000) + "end\n", 1, "end\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := ReadLog(context.Background(), p, tt.tail, false, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
	if err := ReadLog(context.Background(), filepath.Join(dir, "missing"), -1, false, &bytes.Buffer{}); !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: got %v, want a not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("followed output %q lacks %q", b.String(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReadLogFollow(t *testing.T) {
	p := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(p, []byte("old1\nold2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- ReadLog(ctx, p, 1, true, &out) }()
	out.waitFor(t, "old2\n")
	if _, err := fmt.Fprint(w, "new1\n"); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "new1\n")
	// Copy-truncate rotation: the reader starts over at the beginning.
	if err := RotateLog(p, 1, 1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * logPoll)
	if _, err := fmt.Fprint(w, "after\n"); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "after\n")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("follow ended with %v, want nil on cancel", err)
	}
	if got, want := out.String(), "old2\nnew1\nafter\n"; got != want {
		t.Errorf("followed %q, want %q", got, want)
	}
}

func TestRotateLog(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.log")
	read := func(name string) string {
		b, err := os.ReadFile(name)
		if err != nil {
			return "<" + err.Error() + ">"
		}
		return string(b)
	}
	// An appending writer, like the shim's.
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	write := func(s string) {
		if _, err := w.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	write("first\n")
	if err := RotateLog(p, 100, 2); err != nil {
		t.Fatal(err)
	}
	if got := read(p); got != "first\n" {
		t.Fatalf("small log rotated: %q", got)
	}
	for i, gen := range []string{"one", "two", "three"} {
		write(strings.Repeat(gen, 50) + "\n")
		if err := RotateLog(p, 100, 2); err != nil {
			t.Fatalf("rotation %d: %v", i, err)
		}
		if got := read(p); got != "" {
			t.Fatalf("rotation %d: live log %q, want it empty", i, got)
		}
	}
	write("tail\n")
	if got := read(p); got != "tail\n" {
		t.Errorf("append after truncate: got %q, want %q (no hole of NULs)", got, "tail\n")
	}
	if got := read(p + ".1"); !strings.HasPrefix(got, "three") {
		t.Errorf(".1 = %q, want the newest piece", got)
	}
	if got := read(p + ".2"); !strings.HasPrefix(got, "two") {
		t.Errorf(".2 = %q, want the piece before", got)
	}
	if _, err := os.Stat(p + ".3"); !os.IsNotExist(err) {
		t.Errorf(".3 exists (%v): keep is 2", err)
	}
	if err := RotateLog(filepath.Join(dir, "missing"), 1, 1); err != nil {
		t.Errorf("rotate missing log: %v", err)
	}
	if err := RotateLog(p, 0, 1); err == nil {
		t.Error("rotate with maxBytes 0: no error")
	}
}

// TestContainerLogRotation rotates a log a running container writes to.
func TestContainerLogRotation(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	logPath := run(t, r, "chatty", `i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.01; done`, nil)
	waitLog(t, logPath, "line 20\n")
	if err := RotateLog(logPath, 10, 1); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(logPath + ".1"); err != nil || !strings.Contains(string(b), "line 20\n") {
		t.Fatalf("rotated piece: %v %q", err, b)
	}
	time.Sleep(300 * time.Millisecond)
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || bytes.IndexByte(b, 0) >= 0 || !strings.HasPrefix(string(b), "line ") && !strings.Contains(string(b), "\nline ") {
		t.Errorf("live log after rotation: %q: want fresh lines, no NUL hole", b)
	}
}
