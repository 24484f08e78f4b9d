package agent

import (
	"fmt"
	"io"
	"os"
)

// printJoinCommand tells the user who started a cluster how to join
// machines and where the admin token is. The tokens themselves are
// printed only to a terminal: an agent's output that goes to a file or
// the journal must not carry them.
func printJoinCommand(w io.Writer, apiAddr, dataDir string, vs *voterSecrets) {
	join, admin := "TOKEN  # TOKEN: what `shoal token` prints on this machine", fmt.Sprintf("ADMIN  # ADMIN: the content of %s/%s", dataDir, fileAdminToken)
	if f, ok := w.(*os.File); ok && vs != nil && isTerminal(f) {
		join, admin = vs.Join.String(), vs.Admin.String()
	}
	fmt.Fprintf(w, "Shoal cluster started. Join other machines with:\n\n  shoal agent --join %s --token %s\n\n", apiAddr, join)
	fmt.Fprintf(w, "Use the cluster from elsewhere with:\n\n  export SHOAL_ADDR=https://%s SHOAL_TOKEN=%s\n\n", apiAddr, admin)
	fmt.Fprintf(w, "Machines joined with the worker token (`shoal token --worker`) never become Raft voters, so never hold the CA key.\n")
	fmt.Fprintf(w, "On this machine (and on every Raft voter) shoal finds the admin token in %s.\n", dataDir)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
