package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// unitKeys parses a unit file: section → key → values, and fails on a
// line that is neither a comment, a section header nor key=value.
func unitKeys(t *testing.T, unit string) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	section := ""
	for i, line := range strings.Split(unit, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("unit line %d %q: want key=value in a section", i+1, line)
			}
			out[section][k] = append(out[section][k], v)
		}
	}
	return out
}

// execWords splits an ExecStart line as systemd does for the quoting
// systemdQuote produces.
func execWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			if s[i] == 'n' {
				cur.WriteByte('\n')
			} else {
				cur.WriteByte(s[i])
			}
		case c == '"':
			quoted, inWord = !quoted, true
		case c == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	for i, w := range words {
		words[i] = strings.ReplaceAll(strings.ReplaceAll(w, "%%", "%"), "$$", "$")
	}
	return words
}

func TestInstallWritesUnit(t *testing.T) {
	tests := []struct {
		name    string
		dataDir string
		args    []string
	}{
		{"new cluster", "/var/lib/shoal", nil},
		{"join with a token file", "/var/lib/shoal", []string{"--join", "10.0.0.1", "--token-file", "/root/join.token", "--labels", "zone=a"}},
		{"words systemd would split or expand", "/srv/shoal data", []string{"--name", "n1", "--labels", `note=50%$HOME"x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "shoal.service")
			root := newRoot()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetArgs(append([]string{"install", "--no-start", "--unit-file", file, "--binary", "/usr/local/bin/shoal", "--data-dir", tt.dataDir, "--"}, tt.args...))
			if err := root.Execute(); err != nil {
				t.Fatalf("install: %v", err)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			keys := unitKeys(t, string(b))
			svc := keys["Service"]
			for k, want := range map[string]string{"KillMode": "process", "Restart": "on-failure", "Type": "exec"} {
				if got := svc[k]; !slices.Equal(got, []string{want}) {
					t.Errorf("[Service] %s=%v, want %s", k, got, want)
				}
			}
			if got := keys["Install"]["WantedBy"]; !slices.Equal(got, []string{"multi-user.target"}) {
				t.Errorf("[Install] WantedBy=%v, want multi-user.target", got)
			}
			if len(svc["ExecStart"]) != 1 {
				t.Fatalf("got ExecStart %v, want one", svc["ExecStart"])
			}
			want := append([]string{"/usr/local/bin/shoal", "agent", "--data-dir", tt.dataDir}, tt.args...)
			if got := execWords(svc["ExecStart"][0]); !slices.Equal(got, want) {
				t.Errorf("ExecStart runs %q, want %q", got, want)
			}
			if _, err := exec.LookPath("systemd-analyze"); err == nil {
				// systemd's own parser; it checks that the binary exists.
				unit := strings.Replace(string(b), "/usr/local/bin/shoal", "/bin/true", 1)
				if err := os.WriteFile(file, []byte(unit), 0o644); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command("systemd-analyze", "verify", file).CombinedOutput(); err != nil {
					t.Errorf("systemd-analyze verify: %v\n%s\n%s", err, out, unit)
				}
			}

			root = newRoot()
			root.SetOut(&out)
			root.SetArgs([]string{"uninstall", "--no-stop", "--unit-file", file})
			if err := root.Execute(); err != nil {
				t.Fatalf("uninstall: %v", err)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Errorf("uninstall left %s (stat: %v)", file, err)
			}
		})
	}
}

func TestInstallRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"token in the unit", []string{"--", "--join", "10.0.0.1", "--token", "SHOAL-1-x"}, "--token-file"},
		{"data dir after --", []string{"--", "--data-dir", "/x"}, "before --"},
		{"unknown agent flag", []string{"--", "--bogus"}, "unknown flag: --bogus"},
		{"stray argument", []string{"--", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "shoal.service")
			root := newRoot()
			root.SetArgs(append([]string{"install", "--no-start", "--unit-file", file}, tt.args...))
			err := root.Execute()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Errorf("a refused install wrote %s", file)
			}
		})
	}
	t.Run("uninstall of a unit it did not write", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "shoal.service")
		if err := os.WriteFile(file, []byte("[Unit]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		root := newRoot()
		root.SetArgs([]string{"uninstall", "--no-stop", "--unit-file", file})
		if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "not written by shoal install") {
			t.Fatalf("got %v, want a refusal", err)
		}
		if _, err := os.Stat(file); err != nil {
			t.Errorf("the foreign unit is gone: %v", err)
		}
	})
}
