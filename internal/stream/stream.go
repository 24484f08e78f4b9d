// Package stream is the framing of exec streams between the CLI's client
// and an agent: protocol both sides share, kept out of api (which holds
// objects) and out of client and agent (so neither imports the other).
package stream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Exec streams run over an upgraded HTTP connection (Upgrade: shoal-exec)
// as frames: one byte of frame type, four bytes of big-endian payload
// length, the payload.
const (
	// ExecUpgrade is the Upgrade token of an exec request.
	ExecUpgrade = "shoal-exec"

	FrameStdin      byte = 0 // client → agent: input
	FrameStdout     byte = 1 // agent → client
	FrameStderr     byte = 2 // agent → client
	FrameExit       byte = 3 // agent → client: 4-byte exit code, then the stream ends
	FrameResize     byte = 4 // client → agent: 2-byte columns, 2-byte rows
	FrameStdinClose byte = 5 // client → agent: no more input
	FrameError      byte = 6 // agent → client: text; the exec failed to run
)

// maxFrame bounds a frame's payload so a broken peer cannot make the other
// side allocate without limit.
const maxFrame = 1 << 20

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	if len(payload) > maxFrame {
		return fmt.Errorf("frame of %d bytes over the %d limit", len(payload), maxFrame)
	}
	var hdr [5]byte
	hdr[0] = typ
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	if _, err := w.Write(append(hdr[:], payload...)); err != nil {
		return err
	}
	return nil
}

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (typ byte, payload []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes over the %d limit", n, maxFrame)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, errors.Join(errors.New("truncated frame"), err)
	}
	return hdr[0], payload, nil
}

// frameWriter sends everything written to it as frames of one type.
type frameWriter struct {
	w   io.Writer
	typ byte
	mu  interface {
		Lock()
		Unlock()
	}
}

// NewFrameWriter returns a writer that frames its writes as typ; mu
// serializes writers that share w.
func NewFrameWriter(w io.Writer, typ byte, mu interface {
	Lock()
	Unlock()
}) io.Writer {
	return &frameWriter{w: w, typ: typ, mu: mu}
}

func (f *frameWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), 32<<10)]
		f.mu.Lock()
		err := WriteFrame(f.w, f.typ, chunk)
		f.mu.Unlock()
		if err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}
