package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// Port-forward streams run over an upgraded HTTP connection (Upgrade:
// shoal-portforward) with the same framing as exec: each carries one TCP
// connection to one port of a pod. Data goes as FrameData both ways; a
// side whose input ended (a half-close) sends FrameEOF; the agent sends
// FrameError when its connection to the pod fails. The stream ends when
// both sides have sent FrameEOF, or at the first error.
const (
	// PortForwardUpgrade is the Upgrade token of a port-forward request.
	PortForwardUpgrade = "shoal-portforward"

	FrameData byte = 7 // both ways: bytes of the forwarded connection
	FrameEOF  byte = 8 // both ways: the sender has no more data
)

// chunk bounds the data of one frame.
const chunk = 32 << 10

// closeWriter is a connection that can end its output alone (TCP's
// half-close).
type closeWriter interface{ CloseWrite() error }

// Pipe carries plain, a TCP connection, over framed, a port-forward
// stream whose frames are read from fr (a buffered reader over framed
// that may hold frames read with the upgrade answer). It returns when
// both directions have ended, ctx ends, or one side fails, and closes
// both connections. A nil error means both directions ended cleanly.
func Pipe(ctx context.Context, framed net.Conn, fr io.Reader, plain net.Conn) error {
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			_ = framed.Close()
			_ = plain.Close()
		})
	}
	defer closeAll()
	stop := context.AfterFunc(ctx, closeAll)
	defer stop()

	errc := make(chan error, 2)
	go func() { errc <- plainToFramed(plain, framed) }()
	go func() { errc <- framedToPlain(fr, plain) }()
	var errs []error
	for range 2 {
		if err := <-errc; err != nil {
			errs = append(errs, err)
			closeAll() // unblocks the other direction
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// plainToFramed sends what plain reads as FrameData, then FrameEOF at its
// end; a read failure other than the end is sent as FrameError.
func plainToFramed(plain net.Conn, framed io.Writer) error {
	buf := make([]byte, chunk)
	for {
		n, err := plain.Read(buf)
		if n > 0 {
			if werr := WriteFrame(framed, FrameData, buf[:n]); werr != nil {
				return fmt.Errorf("send: %w", werr)
			}
		}
		if errors.Is(err, io.EOF) {
			if werr := WriteFrame(framed, FrameEOF, nil); werr != nil {
				return fmt.Errorf("send: %w", werr)
			}
			return nil
		}
		if err != nil {
			_ = WriteFrame(framed, FrameError, []byte(err.Error()))
			return fmt.Errorf("read: %w", err)
		}
	}
}

// framedToPlain writes FrameData payloads to plain and half-closes it at
// FrameEOF.
func framedToPlain(fr io.Reader, plain net.Conn) error {
	for {
		typ, p, err := ReadFrame(fr)
		if err != nil {
			return fmt.Errorf("stream ended early: %w", err)
		}
		switch typ {
		case FrameData:
			if _, err := plain.Write(p); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		case FrameEOF:
			if cw, ok := plain.(closeWriter); ok {
				if err := cw.CloseWrite(); err != nil {
					return fmt.Errorf("half-close: %w", err)
				}
			}
			return nil
		case FrameError:
			return fmt.Errorf("remote: %s", p)
		default:
			return fmt.Errorf("unexpected frame type %d in a port-forward stream", typ)
		}
	}
}
