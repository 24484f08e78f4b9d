package testimage

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BusyboxRef is the image reference of the busybox image.
const BusyboxRef = "shoal.local/busybox:1"

// BusyboxPath is where Debian's busybox-static package puts the binary.
const BusyboxPath = "/bin/busybox"

// BusyboxApplets are the commands the image links to busybox in /bin.
var BusyboxApplets = []string{
	"[", "awk", "cat", "chmod", "cp", "date", "df", "dmesg", "du", "echo",
	"env", "false", "grep", "head", "hostname", "id", "ifconfig", "ip",
	"kill", "ln", "ls", "mkdir", "mount", "mv", "nc", "nslookup", "ping",
	"printenv", "printf", "ps", "pwd", "rm", "route", "sed", "seq", "sh",
	"sleep", "sort", "stat", "stty", "tail", "tee", "test", "timeout", "top",
	"touch", "tr", "true", "tty", "uname", "uptime", "wc", "wget", "whoami", "yes",
}

var busybox = &cached{ref: BusyboxRef, file: "busybox.tar", build: buildBusybox}

// Busybox writes an image of the machine's static busybox (Debian package
// busybox-static) with the usual applets as a docker-archive tarball into
// dir and returns its path and reference. The first call in a process
// builds it; later calls reuse the result.
func Busybox(dir string) (path, ref string, err error) {
	return busybox.writeTo(dir)
}

func buildBusybox() ([]byte, error) {
	bin, err := readStaticBusybox(BusyboxPath)
	if err != nil {
		return nil, err
	}
	files := []file{
		dir("bin", 0o755),
		regular("bin/busybox", 0o755, bin),
	}
	for _, a := range BusyboxApplets {
		files = append(files, symlink("bin/"+a, "busybox"))
	}
	files = append(files, dir("etc", 0o755), dir("tmp", 0o1777))
	return archive(BusyboxRef, files, v1.Config{
		Cmd:        []string{"sh"},
		Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		WorkingDir: "/",
	})
}

// readStaticBusybox reads path and checks it is a statically linked ELF,
// since the image has no libc.
func readStaticBusybox(path string) ([]byte, error) {
	bin, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s missing: install the busybox-static package (apt-get install busybox-static)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read busybox: %w", err)
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read busybox: %w", err)
	}
	defer func() { _ = f.Close() }()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("%s is dynamically linked: install the busybox-static package (apt-get install busybox-static)", path)
		}
	}
	return bin, nil
}
