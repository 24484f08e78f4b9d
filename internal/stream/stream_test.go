package stream

import (
	"bytes"
	"sync"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	w := NewFrameWriter(&buf, FrameStdout, &mu)
	big := bytes.Repeat([]byte("x"), 70<<10)
	if _, err := w.Write(big); err != nil {
		t.Fatal(err)
	}
	if err := WriteFrame(&buf, FrameExit, []byte{0, 0, 0, 7}); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for {
		typ, p, err := ReadFrame(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if typ == FrameExit {
			if p[3] != 7 {
				t.Fatalf("exit payload %v", p)
			}
			break
		}
		got = append(got, p...)
	}
	if !bytes.Equal(got, big) {
		t.Fatalf("got %d bytes, want %d", len(got), len(big))
	}
}

func TestReadFrameRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"short header", []byte{1, 0}},
		{"oversized", []byte{1, 0xff, 0xff, 0xff, 0xff}},
		{"truncated payload", []byte{1, 0, 0, 0, 9, 'a'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ReadFrame(bytes.NewReader(tt.in)); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 2, 'h', 'i'})
	f.Add([]byte{3, 0, 0, 0, 4, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		for {
			if _, _, err := ReadFrame(r); err != nil {
				return
			}
		}
	})
}
