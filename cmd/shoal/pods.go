package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/shoal-dev/shoal/client"
)

func newLogsCmd(g *globals) *cobra.Command {
	var o client.LogOptions
	var selector string
	var prefix bool
	cmd := &cobra.Command{
		Use:   "logs POD|TYPE/NAME|-l SELECTOR [-c CONTAINER] [-f] [--previous] [--tail N] [--prefix]",
		Short: "Print a container's output, from whichever node runs it",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Tail < -1 {
				return fmt.Errorf("--tail %d: want a number of lines, or -1 for all", o.Tail)
			}
			c, err := g.connect()
			if err != nil {
				return err
			}
			ctx, cancel := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer cancel()
			if !o.Follow {
				var tcancel context.CancelFunc
				ctx, tcancel = context.WithTimeout(ctx, 5*time.Minute)
				defer tcancel()
			}
			ns := g.objectNamespace(true)
			pods, err := logPods(ctx, c, ns, args, selector)
			if err != nil {
				return err
			}
			return streamLogs(ctx, c, ns, pods, o, prefix, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Container, "container", "c", "", "container name (needed when the pod has several)")
	f.BoolVarP(&o.Follow, "follow", "f", false, "keep streaming new output")
	f.BoolVarP(&o.Previous, "previous", "p", false, "the output of the previous run of a restarted container")
	f.IntVar(&o.Tail, "tail", -1, "only the last N lines (-1: all)")
	f.StringVarP(&selector, "selector", "l", "", "every pod this label selector matches, e.g. app=web")
	f.BoolVar(&prefix, "prefix", false, "start each line with [pod/NAME] (or [pod/NAME/CONTAINER] with -c)")
	addNamespaceFlags(cmd, g)
	return cmd
}

// streamLogs copies the output of pods to out: one after the other, or all
// at once with -f, whole lines at a time.
func streamLogs(ctx context.Context, c *client.Client, ns string, pods []string, o client.LogOptions, prefix bool, out io.Writer) error {
	if len(pods) == 1 && !prefix {
		return c.Logs(ctx, ns, pods[0], o, out)
	}
	var mu sync.Mutex
	one := func(pod string) error {
		lw := &lineWriter{mu: &mu, out: out}
		if prefix {
			lw.prefix = "[pod/" + pod + "] "
			if o.Container != "" {
				lw.prefix = "[pod/" + pod + "/" + o.Container + "] "
			}
		}
		err := c.Logs(ctx, ns, pod, o, lw)
		if ferr := lw.Flush(); err == nil {
			err = ferr
		}
		if err != nil {
			return fmt.Errorf("pod %s: %w", pod, err)
		}
		return nil
	}
	if !o.Follow {
		for _, p := range pods {
			if err := one(p); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, len(pods))
	var wg sync.WaitGroup
	for i, p := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = one(p)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func newExecCmd(g *globals) *cobra.Command {
	var container string
	var tty, stdin bool
	cmd := &cobra.Command{
		Use:   "exec POD [-c CONTAINER] [-it] -- COMMAND [ARGS...]",
		Short: "Run a command in a container; its exit code becomes shoal's",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 {
				return fmt.Errorf("want: shoal exec POD -- COMMAND [ARGS...]")
			}
			c, err := g.connect()
			if err != nil {
				return err
			}
			o := client.ExecOptions{
				Container: container, Command: args[1:], Tty: tty,
				Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(),
			}
			if stdin {
				o.Stdin = cmd.InOrStdin()
			}
			if tty {
				restore, resize, err := rawTerminal()
				if err != nil {
					return err
				}
				defer restore()
				o.Resize = resize
			}
			code, err := c.Exec(cmd.Context(), g.objectNamespace(true), args[0], o)
			if err != nil {
				return err
			}
			if code != 0 {
				return exitCode(code)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&container, "container", "c", "", "container name (needed when the pod has several)")
	f.BoolVarP(&tty, "tty", "t", false, "allocate a terminal")
	f.BoolVarP(&stdin, "stdin", "i", false, "pass standard input to the command")
	addNamespaceFlags(cmd, g)
	return cmd
}

// rawTerminal puts stdin's terminal in raw mode and reports its size now
// and on every SIGWINCH.
func rawTerminal() (restore func(), resize <-chan [2]uint16, err error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, nil, fmt.Errorf("-t needs a terminal on standard input")
	}
	old, err := term.MakeRaw(fd)
	if err != nil {
		return nil, nil, fmt.Errorf("raw terminal: %w", err)
	}
	ch := make(chan [2]uint16, 4)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	send := func() {
		if w, h, err := term.GetSize(fd); err == nil {
			select {
			case ch <- [2]uint16{uint16(w), uint16(h)}:
			default:
			}
		}
	}
	send()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-winch:
				send()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(winch)
		close(done)
		_ = term.Restore(fd, old)
	}, ch, nil
}

func newImageCmd(g *globals) *cobra.Command {
	var node string
	cmd := &cobra.Command{Use: "image", Short: "Manage images on nodes (import, ls)"}
	imp := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import an image archive (docker save or OCI layout tar) into a node's containerd",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in io.Reader = cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer func() { _ = f.Close() }()
				in = f
			}
			return g.call(cmd, 30*time.Minute, func(ctx context.Context, c *client.Client) error {
				list, err := c.ImportImage(ctx, node, in)
				if err != nil {
					return err
				}
				for _, i := range list.Items {
					fmt.Fprintf(cmd.OutOrStdout(), "imported %s (%s) on %s\n", i.Ref, i.Digest, list.Node)
				}
				return nil
			})
		},
	}
	ls := &cobra.Command{
		Use:   "ls",
		Short: "List a node's images",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.call(cmd, requestTimeout, func(ctx context.Context, c *client.Client) error {
				list, err := c.ListImages(ctx, node)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 3, ' ', 0)
				fmt.Fprintln(tw, "REF\tDIGEST\tSIZE")
				for _, i := range list.Items {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", i.Ref, shortDigest(i.Digest), humanBytes(i.Size))
				}
				return tw.Flush()
			})
		},
	}
	for _, c := range []*cobra.Command{imp, ls} {
		c.Flags().StringVar(&node, "node", "", "node whose containerd to use (default: the node --server points at)")
	}
	cmd.AddCommand(imp, ls)
	return cmd
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
