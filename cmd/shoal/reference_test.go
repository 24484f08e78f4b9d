package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// referenceDoc is docs/reference.md.
func referenceDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/reference.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docRows are the lines of doc that document the verb at path (e.g.
// "rollout status"): the table rows and list items that name it in code,
// `path ...`. The agent's flags live in its own section, whose lines all
// count.
func docRows(doc, path string) []string {
	if path == "agent" || path == "snapshot restore" {
		start := strings.Index(doc, "## `shoal agent`")
		end := strings.Index(doc[start+1:], "\n## ")
		return []string{doc[start : start+1+end]}
	}
	var rows []string
	for _, line := range strings.Split(doc, "\n") {
		if strings.Contains(line, "`"+path+" ") || strings.Contains(line, "`"+path+"`") ||
			strings.Contains(line, "/ "+path+" ") || strings.Contains(line, "`"+path+"|") {
			rows = append(rows, line)
		}
	}
	return rows
}

// flagDocumented reports whether rows mention f as --name or -x.
func flagDocumented(rows []string, f *pflag.Flag) bool {
	for _, r := range rows {
		if strings.Contains(r, "--"+f.Name) {
			return true
		}
		if f.Shorthand != "" && regexp.MustCompile(`(^|[^\w-])-`+regexp.QuoteMeta(f.Shorthand)+`(\W|$)`).MatchString(r) {
			return true
		}
	}
	return false
}

// TestReferenceCoversCLI walks the command tree: every verb a user can
// type and every flag it takes must be in docs/reference.md, so the
// reference stays complete as verbs are added.
func TestReferenceCoversCLI(t *testing.T) {
	doc := referenceDoc(t)
	root := newRoot()
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		t.Run("global --"+f.Name, func(t *testing.T) {
			if !strings.Contains(doc, "`--"+f.Name+"`") {
				t.Errorf("global flag --%s is not in docs/reference.md", f.Name)
			}
		})
	})
	// -n and -A are documented once for every verb that takes them.
	nsFlags := map[string]bool{"namespace": true, "all-namespaces": true}
	for _, want := range []string{"`-n NS`", "`-A`", "--namespace", "--all-namespaces"} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/reference.md does not explain %s", want)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || (c.Name() == "completion" && c != root) {
				continue
			}
			path := strings.TrimPrefix(sub.CommandPath(), "shoal ")
			rows := docRows(doc, path)
			t.Run(path, func(t *testing.T) {
				if !sub.Runnable() {
					return // a group: its verbs are checked
				}
				if len(rows) == 0 {
					t.Fatalf("verb %q is not in docs/reference.md (want a row naming `%s ...`)", path, path)
				}
				sub.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
					if f.Hidden || f.Name == "help" || nsFlags[f.Name] {
						return
					}
					if !flagDocumented(rows, f) {
						t.Errorf("flag --%s of %q is not on its docs/reference.md row", f.Name, path)
					}
				})
			})
			walk(sub)
		}
	}
	walk(root)
}
