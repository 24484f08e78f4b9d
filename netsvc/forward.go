package netsvc

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// An accept in Shoal's own nftables table cannot overrule a drop in
// another table: every base chain on the forward hook sees the packet and
// any drop is final. Hosts that set iptables' FORWARD policy to DROP (Docker
// does) would drop pod traffic between nodes, so when the policy is DROP,
// Routes appends two accept rules to iptables' FORWARD chain, marked with
// forwardComment, and removes them on Close. That is the only state it keeps
// outside its table.
const forwardComment = "shoal: forward pod traffic"

// iptablesTimeout bounds one iptables run (it waits for the xtables lock).
const iptablesTimeout = 10 * time.Second

// forwardRules are the iptables FORWARD rule specs Routes owns.
func (r *Routes) forwardRules() [][]string {
	c := r.cfg.cluster.String()
	mark := []string{"-m", "comment", "--comment", forwardComment, "-j", "ACCEPT"}
	return [][]string{
		append([]string{"-s", c}, mark...),
		append([]string{"-d", c}, mark...),
	}
}

// syncForward adds the FORWARD accept rules when the chain's policy drops.
// A host without iptables needs nothing.
func (r *Routes) syncForward(ctx context.Context) error {
	out, err := iptables(ctx, "-S", "FORWARD")
	if errors.Is(err, exec.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("netsvc: read iptables FORWARD: %w", err)
	}
	if !strings.Contains(out, "-P FORWARD DROP") {
		return nil
	}
	var errs []error
	for _, spec := range r.forwardRules() {
		if hasRule(ctx, spec) {
			continue
		}
		if _, err := iptables(ctx, append([]string{"-A", "FORWARD"}, spec...)...); err != nil {
			errs = append(errs, fmt.Errorf("netsvc: add iptables FORWARD accept for %s: %w", spec[1], err))
			continue
		}
		r.cfg.logger.Info("iptables FORWARD policy is DROP: accepting pod traffic", "rule", strings.Join(spec, " "))
	}
	return errors.Join(errs...)
}

// deleteForward removes the FORWARD accept rules, every copy.
func (r *Routes) deleteForward(ctx context.Context) error {
	var errs []error
	for _, spec := range r.forwardRules() {
		for hasRule(ctx, spec) {
			if _, err := iptables(ctx, append([]string{"-D", "FORWARD"}, spec...)...); err != nil {
				errs = append(errs, fmt.Errorf("netsvc: remove iptables FORWARD accept for %s: %w", spec[1], err))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// hasRule reports whether iptables' FORWARD chain has the rule spec.
func hasRule(ctx context.Context, spec []string) bool {
	_, err := iptables(ctx, append([]string{"-C", "FORWARD"}, spec...)...)
	return err == nil
}

// iptables runs iptables (filter table) waiting for its lock.
func iptables(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, iptablesTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "iptables", append([]string{"-w", "5"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return "", fmt.Errorf("iptables %s: %w: %s", strings.Join(args, " "), err, msg)
		}
		return "", fmt.Errorf("iptables %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}
