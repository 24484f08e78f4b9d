package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/errdefs"
)

// Sentinel errors callers branch on (errors.Is).
var (
	// ErrNotFound: the image or container does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: the container already exists, or its task already runs.
	ErrExists = errors.New("already exists")
)

// Defaults for Config.
const (
	DefaultAddress   = "/run/containerd/containerd.sock"
	DefaultNamespace = "shoal"
)

// Config says where containerd is and how to reach registries.
type Config struct {
	// Address is containerd's socket; default DefaultAddress.
	Address string
	// Namespace is the containerd namespace of every image and container;
	// default DefaultNamespace.
	Namespace string
	// DataDir is the agent's data directory. An embedded containerd keeps
	// root, state, config and log under DataDir/containerd; exec FIFOs live
	// under DataDir/containerd/fifo.
	DataDir string
	// InsecureRegistries are "HOST:PORT" registries pulled over plain HTTP.
	InsecureRegistries []string
	// RegistryConfig is a docker-style config.json with credentials; ""
	// means $DOCKER_CONFIG/config.json or ~/.docker/config.json if present.
	RegistryConfig string
	// Logger receives the few log lines; default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Address == "" {
		c.Address = DefaultAddress
	}
	if c.Namespace == "" {
		c.Namespace = DefaultNamespace
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports the first problem with c (after defaults).
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("runtime config: empty data dir")
	}
	if !filepath.IsAbs(c.Address) {
		return fmt.Errorf("runtime config: containerd address %q is not an absolute socket path", c.Address)
	}
	return nil
}

// Runtime is a connection to containerd plus, when Shoal started
// containerd itself, its supervisor.
type Runtime struct {
	cfg    Config
	logger *slog.Logger
	client *containerd.Client
	exits  chan string
	auth   *registryAuth
	embed  *embedded // nil when containerd is external

	mu      sync.Mutex
	running bool // Run is supervising
	closed  bool
}

// Open connects to containerd at cfg.Address. If nothing answers there,
// it starts containerd from PATH with its root and state under
// cfg.DataDir/containerd and waits until it answers; Run then supervises
// it.
func Open(ctx context.Context, cfg Config) (*Runtime, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	auth, err := loadRegistryAuth(cfg.RegistryConfig)
	if err != nil {
		return nil, err
	}
	r := &Runtime{
		cfg:    cfg,
		logger: cfg.Logger,
		exits:  make(chan string, 256),
		auth:   auth,
	}
	r.embed, err = embed(ctx, cfg.DataDir, cfg.Address, cfg.Logger)
	if err != nil {
		return nil, err
	}
	c, err := containerd.New(cfg.Address, containerd.WithDefaultNamespace(cfg.Namespace))
	if err != nil {
		r.stopEmbedded()
		return nil, fmt.Errorf("connect containerd %s: %w", cfg.Address, err)
	}
	r.client = c
	if r.embed != nil {
		// Reconnect at once instead of after grpc's backoff.
		r.embed.restarted = func() {
			if conn, ok := c.Conn().(interface{ ResetConnectBackoff() }); ok {
				conn.ResetConnectBackoff()
			}
		}
	}
	if _, err := r.Version(ctx); err != nil {
		_ = c.Close()
		r.stopEmbedded()
		return nil, err
	}
	return r, nil
}

// Embedded reports whether Shoal started (or adopted) this containerd.
func (r *Runtime) Embedded() bool { return r.embed != nil }

// Version is containerd's version.
func (r *Runtime) Version(ctx context.Context) (string, error) {
	v, err := r.client.Version(ctx)
	if err != nil {
		return "", fmt.Errorf("containerd version at %s: %w", r.cfg.Address, err)
	}
	return v.Version, nil
}

// Close disconnects from containerd. An embedded containerd that Run is
// not supervising is stopped too; containers keep running either way.
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	stop := !r.running
	r.mu.Unlock()
	err := r.client.Close()
	if stop {
		r.stopEmbedded()
	}
	if err != nil {
		return fmt.Errorf("close containerd client: %w", err)
	}
	return nil
}

func (r *Runtime) stopEmbedded() {
	if r.embed != nil {
		r.embed.stop()
	}
}

// Run supervises an embedded containerd (restarting it when it dies,
// stopping it when ctx ends) and follows containerd's task events for
// Exits. With an external containerd it only follows events. It returns
// nil when ctx ends.
func (r *Runtime) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.running || r.closed {
		r.mu.Unlock()
		return errors.New("runtime: Run called twice or after Close")
	}
	r.running = true
	r.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.followEvents(ctx)
	}()
	if r.embed != nil {
		r.embed.supervise(ctx)
	} else {
		<-ctx.Done()
	}
	wg.Wait()
	return nil
}

// Exits delivers the IDs of containers whose task exited. Sends never
// block: when the buffer is full an exit is dropped, so callers also poll.
func (r *Runtime) Exits() <-chan string { return r.exits }

// wrapErr maps containerd's not-found and already-exists to ours and adds
// context.
func wrapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf(format, args...)
	switch {
	case errdefs.IsNotFound(err):
		err = kindErr{ErrNotFound, err}
	case errdefs.IsAlreadyExists(err):
		err = kindErr{ErrExists, err}
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// kindErr is containerd's error that also matches one of our sentinels.
type kindErr struct{ kind, err error }

func (e kindErr) Error() string   { return e.err.Error() }
func (e kindErr) Unwrap() []error { return []error{e.kind, e.err} }
