package main

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// readmeCommands returns the shoal command lines of the README's sh code
// blocks, without comments and $(...) or <(...) wrappers.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
			continue
		case strings.HasPrefix(line, "```"):
			in = false
			continue
		}
		if !in {
			continue
		}
		line, _, _ = strings.Cut(line, " #")
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "<(shoal "); i >= 0 {
			line = strings.TrimSuffix(line[i+2:], ")")
		}
		if strings.HasPrefix(line, "shoal ") {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReadmeCommandsParse checks that every shoal command the README
// shows names a real verb whose flags and arguments it accepts, so the
// examples work as written.
func TestReadmeCommandsParse(t *testing.T) {
	cmds := readmeCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("got %d shoal commands from README.md, want the examples (at least 10)", len(cmds))
	}
	for _, line := range cmds {
		t.Run(line, func(t *testing.T) {
			args := strings.Fields(line)[1:]
			root := newRoot()
			root.InitDefaultCompletionCmd(args...) // cobra adds it when executing
			cmd, rest, err := root.Find(args)
			if err != nil {
				t.Fatalf("got %v, want a verb", err)
			}
			if cmd == root {
				t.Fatalf("%q is no verb", args[0])
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Fatalf("flags: %v", err)
			}
			if cmd.Args != nil {
				if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
					t.Fatalf("arguments: %v", err)
				}
			}
		})
	}
}

// TestExampleAppDecodes checks that the README's example app is a
// manifest Shoal accepts.
func TestExampleAppDecodes(t *testing.T) {
	b, err := os.ReadFile("../../examples/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := api.Decode(b)
	if err != nil {
		t.Fatalf("examples/app.yaml: %v", err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetTypeMeta().Kind)
	}
	if got, want := strings.Join(kinds, ","), "ConfigMap,Deployment,Service,Ingress"; got != want {
		t.Errorf("got kinds %s, want %s", got, want)
	}
}
