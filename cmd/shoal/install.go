package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// defaultUnitFile is where `shoal install` writes the systemd unit.
const defaultUnitFile = "/etc/systemd/system/shoal.service"

// unitTemplate is the agent's systemd unit; %s is the ExecStart line.
//
// KillMode=process: stopping or restarting the agent signals the agent
// alone. A containerd the agent started, and every container shim, stay
// up, so pods keep running across an agent restart or upgrade; the agent
// finds them again when it comes back.
const unitTemplate = `# Written by "shoal install"; "shoal uninstall" removes it.
[Unit]
Description=Shoal agent
Documentation=https://github.com/shoal-dev/shoal/blob/main/docs/operations.md
Wants=network-online.target
After=network-online.target containerd.service

[Service]
Type=exec
ExecStart=%s
KillMode=process
Restart=on-failure
RestartSec=5s
TimeoutStopSec=60s
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity

[Install]
WantedBy=multi-user.target
`

func newInstallCmd(g *globals) *cobra.Command {
	var unitFile, binary string
	var noStart bool
	cmd := &cobra.Command{
		Use:   "install [-- AGENT FLAGS...]",
		Short: "Install the agent as a systemd service (shoal.service) and start it",
		Long: `Write a systemd unit that runs "shoal agent" with --data-dir and the
agent flags given after --, then enable and start it (unless --no-start).
The unit restarts the agent when it fails, and stops only the agent
process (KillMode=process), so pods keep running across an agent restart.
Give a join token with --token-file, never --token: unit files are
readable by every user.

  shoal install                                            # a new cluster
  shoal install -- --join 10.0.0.1 --token-file /root/join.token`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if binary == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("find this binary: %w", err)
				}
				if binary, err = filepath.EvalSymlinks(exe); err != nil {
					return fmt.Errorf("find this binary: %w", err)
				}
			}
			unit, err := agentUnit(g, binary, args)
			if err != nil {
				return err
			}
			if err := os.WriteFile(unitFile, []byte(unit), 0o644); err != nil {
				return fmt.Errorf("write the unit: %w", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Wrote %s\n", unitFile)
			if noStart {
				fmt.Fprintln(out, "Start it with: systemctl daemon-reload && systemctl enable --now shoal")
				return nil
			}
			for _, c := range [][]string{{"daemon-reload"}, {"enable", "--now", unitName(unitFile)}} {
				if err := systemctl(c...); err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "Started %s; follow it with: journalctl -u %s -f\n", unitName(unitFile), unitName(unitFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&unitFile, "unit-file", defaultUnitFile, "where to write the systemd unit")
	f.StringVar(&binary, "binary", "", "the shoal binary the unit runs (default: this one)")
	f.BoolVar(&noStart, "no-start", false, "only write the unit: do not enable or start it")
	return cmd
}

func newUninstallCmd() *cobra.Command {
	var unitFile string
	var noStop bool
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Stop and disable the agent's systemd service and remove its unit (then `shoal reset` cleans the machine)",
		Long: `Stop and disable shoal.service and remove the unit "shoal install" wrote.
The agent stops without leaving the cluster: run "shoal leave" first to
leave it gracefully. Pods keep running until "shoal reset" removes them and
everything else the agent left on the machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := os.ReadFile(unitFile)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%s does not exist: nothing to uninstall", unitFile)
			}
			if err != nil {
				return err
			}
			if !strings.HasPrefix(string(b), "# Written by \"shoal install\"") {
				return fmt.Errorf("%s was not written by shoal install; remove it yourself", unitFile)
			}
			if !noStop {
				if err := systemctl("disable", "--now", unitName(unitFile)); err != nil {
					return err
				}
			}
			if err := os.Remove(unitFile); err != nil {
				return err
			}
			if !noStop {
				if err := systemctl("daemon-reload"); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed %s\n", unitFile)
			return nil
		},
	}
	cmd.Flags().StringVar(&unitFile, "unit-file", defaultUnitFile, "the systemd unit to remove")
	cmd.Flags().BoolVar(&noStop, "no-stop", false, "only remove the unit file: do not call systemctl")
	return cmd
}

// agentUnit is the unit running binary as an agent with args, which are
// checked as `shoal agent` would check them.
func agentUnit(g *globals, binary string, args []string) (string, error) {
	for _, a := range args {
		if a == "--data-dir" || strings.HasPrefix(a, "--data-dir=") {
			return "", errors.New("agent flags: give --data-dir before --, as a flag of install")
		}
	}
	check := newAgentCmd(g)
	if err := check.ParseFlags(args); err != nil {
		return "", fmt.Errorf("agent flags: %w", err)
	}
	if len(check.Flags().Args()) > 0 {
		return "", fmt.Errorf("agent flags: unexpected argument %q", check.Flags().Args()[0])
	}
	if check.Flags().Changed("token") {
		return "", errors.New("agent flags: --token would be readable by every user in the unit file; put the token in a file only root reads and give --token-file")
	}
	words := append([]string{binary, "agent", "--data-dir", g.dataDir}, args...)
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = systemdQuote(w)
	}
	return fmt.Sprintf(unitTemplate, strings.Join(quoted, " ")), nil
}

// systemdQuote quotes one word of an ExecStart line: double quotes when
// it holds anything but plain characters, with \, " escaped, and % and $
// doubled so systemd does not expand them.
func systemdQuote(w string) string {
	w = strings.ReplaceAll(strings.ReplaceAll(w, "%", "%%"), "$", "$$")
	if w != "" && !strings.ContainsAny(w, " \t\n\"'\\;") {
		return w
	}
	w = strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), `"`, `\"`)
	w = strings.ReplaceAll(w, "\n", `\n`)
	return `"` + w + `"`
}

// unitName is the systemd name of a unit file.
func unitName(file string) string { return filepath.Base(file) }

func systemctl(args ...string) error {
	out, err := exec.Command("systemctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
