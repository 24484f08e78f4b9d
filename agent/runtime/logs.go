package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// logPoll is how often ReadLog looks for appended output.
const logPoll = 100 * time.Millisecond

// RotateLog rotates path once it is larger than maxBytes, copy-truncate
// style: path.(keep-1) becomes path.keep and so on, path is copied to
// path.1 and then truncated in place. The shim keeps writing to the same
// file (O_APPEND), so its writes land at the new end; lines written
// between the copy and the truncate are lost, as with logrotate's
// copytruncate. keep 0 only truncates.
func RotateLog(path string, maxBytes int64, keep int) error {
	if maxBytes <= 0 || keep < 0 {
		return fmt.Errorf("rotate log %s: need maxBytes > 0 and keep >= 0", path)
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rotate log: %w", err)
	}
	if fi.Size() <= maxBytes {
		return nil
	}
	if keep > 0 {
		if err := os.Remove(fmt.Sprintf("%s.%d", path, keep)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate log: %w", err)
		}
		for i := keep - 1; i >= 1; i-- {
			err := os.Rename(fmt.Sprintf("%s.%d", path, i), fmt.Sprintf("%s.%d", path, i+1))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("rotate log: %w", err)
			}
		}
		if err := copyFile(path, path+".1"); err != nil {
			return fmt.Errorf("rotate log: %w", err)
		}
	}
	if err := os.Truncate(path, 0); err != nil {
		return fmt.Errorf("rotate log: %w", err)
	}
	return nil
}

// copyFile copies src to dst through a temporary file.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	_, cerr := io.Copy(out, in)
	if err := errors.Join(cerr, out.Close()); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

// ReadLog writes the last tail lines of path (all of it when tail < 0) to
// w; with follow it then keeps writing what is appended, polling, until
// ctx ends (which is not an error). A truncated file (rotation) is read
// again from its start.
func ReadLog(ctx context.Context, path string, tail int, follow bool, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read log: %w", err)
	}
	defer func() { _ = f.Close() }()
	off := int64(0)
	if tail >= 0 {
		if off, err = tailOffset(f, tail); err != nil {
			return fmt.Errorf("read log %s: %w", path, err)
		}
	}
	if off, err = copyFrom(f, off, w); err != nil {
		return fmt.Errorf("read log %s: %w", path, err)
	}
	if !follow {
		return nil
	}
	tick := time.NewTicker(logPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("read log %s: %w", path, err)
		}
		if fi.Size() < off {
			off = 0 // truncated: rotated away, start again
		}
		if fi.Size() == off {
			continue
		}
		if off, err = copyFrom(f, off, w); err != nil {
			return fmt.Errorf("read log %s: %w", path, err)
		}
	}
}

// copyFrom copies f from off to its current end and returns the new
// offset.
func copyFrom(f *os.File, off int64, w io.Writer) (int64, error) {
	n, err := io.Copy(w, io.NewSectionReader(f, off, 1<<62))
	return off + n, err
}

// tailOffset is the offset where the last n lines of f start. A final
// line without a newline counts as a line.
func tailOffset(f *os.File, n int) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	end := fi.Size()
	if n == 0 {
		return end, nil
	}
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	pos := end
	skipLast := true // a newline that ends the file does not start a line
	for pos > 0 {
		size := min(int64(chunk), pos)
		pos -= size
		if _, err := f.ReadAt(buf[:size], pos); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		b := buf[:size]
		for i := len(b) - 1; i >= 0; i-- {
			if b[i] != '\n' {
				skipLast = false
				continue
			}
			if skipLast {
				skipLast = false
				continue
			}
			n--
			if n == 0 {
				return pos + int64(i) + 1, nil
			}
		}
	}
	return 0, nil
}
