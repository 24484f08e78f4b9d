package gossip

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/memberlist"
)

func TestConfigValidate(t *testing.T) {
	key := make([]byte, KeySize)
	good := func() Config {
		c := DefaultConfig()
		c.Name = "n1"
		c.Key = key
		return c
	}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string // empty: valid
	}{
		{"default config with name and key", func(*Config) {}, ""},
		{"loopback, free port, fast timings", func(c *Config) { *c = testConfig("n1", key) }, ""},
		{"missing name", func(c *Config) { c.Name = "" }, "name is required"},
		{"missing key", func(c *Config) { c.Key = nil }, "key is 0 bytes, want 32"},
		{"AES-128 key", func(c *Config) { c.Key = make([]byte, 16) }, "key is 16 bytes, want 32"},
		{"bind address not an IP", func(c *Config) { c.BindAddr = "eth0" }, `bind address "eth0" is not an IP`},
		{"advertise address not an IP", func(c *Config) { c.AdvertiseAddr = "host.example" }, `advertise address "host.example" is not an IP`},
		{"port out of range", func(c *Config) { c.BindPort = 70000 }, "bind port 70000 is out of range"},
		{"negative advertise port", func(c *Config) { c.AdvertisePort = -1 }, "advertise port -1 is out of range"},
		{"negative interval", func(c *Config) { c.GossipInterval = -time.Second }, "gossip interval -1s is negative"},
		{"probe timeout over interval", func(c *Config) { c.ProbeInterval = 100 * time.Millisecond; c.ProbeTimeout = time.Second },
			"probe timeout 1s is longer than probe interval 100ms"},
		{"meta too large", func(c *Config) { c.Meta.Labels = map[string]string{"k": strings.Repeat("v", 600)} },
			"gossip meta too large: 624 bytes encoded, limit 512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.mutate(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("got no error, want one containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("got error %q, want one containing %q", err, tt.wantErr)
			}
			if _, nerr := New(c); (nerr == nil) != (err == nil) {
				t.Errorf("New: got %v, Validate got %v", nerr, err)
			}
		})
	}
}

func TestDefaultsMatchMemberlistLAN(t *testing.T) {
	lan := memberlist.DefaultLANConfig()
	got := Config{}.withDefaults()
	if got.ProbeInterval != lan.ProbeInterval || got.ProbeTimeout != lan.ProbeTimeout ||
		got.GossipInterval != lan.GossipInterval || got.PushPullInterval != lan.PushPullInterval ||
		got.SuspicionMult != lan.SuspicionMult {
		t.Errorf("got probe %s/%s, gossip %s, push/pull %s, suspicion x%d; memberlist LAN has %s/%s, %s, %s, x%d",
			got.ProbeInterval, got.ProbeTimeout, got.GossipInterval, got.PushPullInterval, got.SuspicionMult,
			lan.ProbeInterval, lan.ProbeTimeout, lan.GossipInterval, lan.PushPullInterval, lan.SuspicionMult)
	}
}

func TestMetaSizeLimit(t *testing.T) {
	// One label whose value we grow: find the longest meta that encodes,
	// with the leaving mark, to exactly MetaMaxSize bytes.
	withValue := func(n int) Meta {
		return Meta{Addr: "10.0.0.1", CPU: 8000, Labels: map[string]string{"k": strings.Repeat("v", n)}}
	}
	base, err := encodeMeta(withValue(0), true)
	if err != nil {
		t.Fatal(err)
	}
	fits := MetaMaxSize - len(base)
	tests := []struct {
		name    string
		meta    Meta
		wantErr bool
	}{
		{"empty", Meta{}, false},
		{"exactly the limit with the leaving mark", withValue(fits), false},
		{"one byte over", withValue(fits + 1), true},
		{"far over", withValue(4 * MetaMaxSize), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeMeta(tt.meta, false)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("encodeMeta: got error %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if !errors.Is(err, ErrMetaTooLarge) {
					t.Errorf("got %v, want ErrMetaTooLarge", err)
				}
				return
			}
			leaving, err := encodeMeta(tt.meta, true)
			if err != nil || len(leaving) > MetaMaxSize {
				t.Fatalf("with leaving mark: got %d bytes, %v; want <= %d", len(leaving), err, MetaMaxSize)
			}
			got, err := decodeMeta(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Leaving || !metaEqual(got.Meta, tt.meta) {
				t.Errorf("round trip: got %+v, want %+v", got, tt.meta)
			}
		})
	}
}

func TestMetaEncodingIsCompact(t *testing.T) {
	b, err := encodeMeta(Meta{Addr: "10.0.0.1", APIPort: 7948, RaftPort: 7947, CPU: 4000, FreeCPU: 1500,
		Labels: map[string]string{"zone": "a"}, Version: "0.1.0"}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":"10.0.0.1","ap":7948,"rp":7947,"c":4000,"fc":1500,"l":{"zone":"a"},"v":"0.1.0"}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestParseLogLine(t *testing.T) {
	tests := []struct {
		line        string
		wantLevel   slog.Level
		wantMsg     string
		wantKeep    bool
		wantSuspect string
		wantMissed  string
	}{
		{"[DEBUG] memberlist: Stream connection from=127.0.0.1:1234\n", slog.LevelDebug, "Stream connection from=127.0.0.1:1234", false, "", ""},
		{"[INFO] memberlist: Suspect node-2 has failed, no acks received\n", slog.LevelDebug, "Suspect node-2 has failed, no acks received", true, "node-2", ""},
		{"[INFO] memberlist: Suspect web 1 has failed, no acks received\n", slog.LevelDebug, "Suspect web 1 has failed, no acks received", true, "web 1", ""},
		{"[INFO] memberlist: Marking node-2 as failed, suspect timeout reached (0 peer confirmations)\n", slog.LevelDebug,
			"Marking node-2 as failed, suspect timeout reached (0 peer confirmations)", true, "", ""},
		{"[WARN] memberlist: Refuting a suspect message (from: node-1)\n", slog.LevelWarn, "Refuting a suspect message (from: node-1)", true, "", ""},
		{"[ERR] memberlist: Failed to decrypt packet\n", slog.LevelError, "Failed to decrypt packet", true, "", ""},
		{"no level at all\n", slog.LevelDebug, "no level at all", true, "", ""},
		{"[DEBUG] memberlist: Failed UDP ping: node-2 (timeout reached)\n", slog.LevelDebug, "Failed UDP ping: node-2 (timeout reached)", false, "", "node-2"},
		{"[DEBUG] memberlist: Failed UDP ping: &{node-2 10.0.0.2 7946} (timeout reached)\n", slog.LevelDebug, "Failed UDP ping: &{node-2 10.0.0.2 7946} (timeout reached)", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.wantMsg, func(t *testing.T) {
			level, msg, keep := parseLogLine(tt.line)
			if level != tt.wantLevel || msg != tt.wantMsg || keep != tt.wantKeep {
				t.Errorf("got (%v, %q, %v), want (%v, %q, %v)", level, msg, keep, tt.wantLevel, tt.wantMsg, tt.wantKeep)
			}
			name, ok := suspectedBy(msg)
			if name != tt.wantSuspect || ok != (tt.wantSuspect != "") {
				t.Errorf("suspectedBy: got %q, %v; want %q", name, ok, tt.wantSuspect)
			}
			name, ok = missedBy(msg)
			if name != tt.wantMissed || ok != (tt.wantMissed != "") {
				t.Errorf("missedBy: got %q, %v; want %q", name, ok, tt.wantMissed)
			}
		})
	}
}

// TestMemberTable drives the table's transitions directly, with a fake
// clock, and checks the member and the events after each step.
func TestMemberTable(t *testing.T) {
	cfg := testConfig("self", make([]byte, KeySize))
	cfg.DeadRetention = time.Hour
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch, cancel := g.Subscribe(16)
	defer cancel()

	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	p := peer{name: "n1", addr: "10.0.0.1", port: 7946, meta: wireMeta{Meta: Meta{CPU: 1000}}}
	withMeta := func(p peer, m Meta, leaving bool) peer { p.meta = wireMeta{Meta: m, Leaving: leaving}; return p }

	steps := []struct {
		name       string
		do         func()
		wantEvents []EventType
		wantStatus Status
		wantSince  time.Time
		wantGone   bool // forgotten
	}{
		{"join", func() { g.onJoin(p, at(0)) }, []EventType{EventJoin}, StatusAlive, at(0), false},
		{"same meta again is no update", func() { g.onUpdate(p, at(1*time.Second)) }, nil, StatusAlive, at(0), false},
		{"new meta", func() { g.onUpdate(withMeta(p, Meta{CPU: 2000}, false), at(2*time.Second)) },
			[]EventType{EventUpdate}, StatusAlive, at(0), false},
		{"direct ping missed", func() { g.markMissed("n1", at(2500*time.Millisecond)) }, []EventType{EventProbeMissed}, StatusAlive, at(0), false},
		{"probe failed", func() { g.markSuspect("n1", at(3*time.Second)) }, []EventType{EventSuspect}, StatusSuspect, at(3 * time.Second), false},
		{"probe failed again", func() { g.markSuspect("n1", at(4*time.Second)) }, nil, StatusSuspect, at(3 * time.Second), false},
		{"probe acked", func() { g.markReachable("n1", at(5*time.Second)) }, []EventType{EventAlive}, StatusAlive, at(5 * time.Second), false},
		{"suspect again", func() { g.markSuspect("n1", at(6*time.Second)) }, []EventType{EventSuspect}, StatusSuspect, at(6 * time.Second), false},
		{"tick before the suspicion can end", func() { g.tick(at(7 * time.Second)) }, nil, StatusSuspect, at(6 * time.Second), false},
		{"tick after the longest suspicion", func() { g.tick(at(6*time.Second + g.maxSuspicion() + time.Millisecond)) },
			[]EventType{EventAlive}, StatusAlive, at(6*time.Second + g.maxSuspicion() + time.Millisecond), false},
		{"declared dead", func() { g.onLeave(withMeta(p, Meta{CPU: 2000}, false), false, at(time.Minute)) },
			[]EventType{EventDead}, StatusDead, at(time.Minute), false},
		{"probe log for a dead member", func() { g.markSuspect("n1", at(61*time.Second)) }, nil, StatusDead, at(time.Minute), false},
		{"missed ping of a dead member", func() { g.markMissed("n1", at(62*time.Second)) }, nil, StatusDead, at(time.Minute), false},
		{"rejoins", func() { g.onJoin(p, at(2*time.Minute)) }, []EventType{EventJoin}, StatusAlive, at(2 * time.Minute), false},
		{"marks leaving: no event", func() { g.onUpdate(withMeta(p, p.meta.Meta, true), at(3*time.Minute)) }, nil, StatusAlive, at(2 * time.Minute), false},
		{"leaves", func() { g.onLeave(withMeta(p, p.meta.Meta, true), false, at(4*time.Minute)) }, []EventType{EventLeft}, StatusLeft, at(4 * time.Minute), false},
		{"kept for the retention", func() { g.tick(at(4*time.Minute + time.Hour)) }, nil, StatusLeft, at(4 * time.Minute), false},
		{"forgotten after it", func() { g.tick(at(4*time.Minute + time.Hour + time.Second)) }, nil, 0, time.Time{}, true},
	}
	for _, st := range steps {
		st.do()
		var got []EventType
		for len(ch) > 0 {
			ev := <-ch
			if ev.Member.Name != "n1" {
				t.Fatalf("%s: event for %q", st.name, ev.Member.Name)
			}
			got = append(got, ev.Type)
		}
		if diff := cmp.Diff(st.wantEvents, got); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", st.name, diff)
		}
		m, ok := g.Member("n1")
		if st.wantGone {
			if ok {
				t.Errorf("%s: got member %+v, want it forgotten", st.name, m)
			}
			continue
		}
		if !ok || m.Status != st.wantStatus || !m.Since.Equal(st.wantSince) {
			t.Errorf("%s: got %v %s since %v, want %s since %v", st.name, ok, m.Status, m.Since, st.wantStatus, st.wantSince)
		}
	}
}

func TestSelfIsNeverSuspect(t *testing.T) {
	g, err := New(testConfig("self", make([]byte, KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	g.onJoin(peer{name: "self"}, time.Now())
	g.markSuspect("self", time.Now())
	if m, _ := g.Member("self"); m.Status != StatusAlive {
		t.Errorf("got %s, want alive", m.Status)
	}
}

func TestSubscribeDropsWhenFullAndCloses(t *testing.T) {
	g, err := New(testConfig("self", make([]byte, KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	slow, cancelSlow := g.Subscribe(1)
	fast, cancelFast := g.Subscribe(10)
	defer cancelFast()
	for _, name := range []string{"a", "b", "c"} {
		g.onJoin(peer{name: name}, time.Now()) // must not block on slow
	}
	if got := len(slow); got != 1 {
		t.Errorf("full subscriber holds %d events, want 1", got)
	}
	if got := len(fast); got != 3 {
		t.Errorf("roomy subscriber holds %d events, want 3", got)
	}
	if ev := <-slow; ev.Member.Name != "a" {
		t.Errorf("full subscriber kept %s, want the first event (a)", ev.Member.Name)
	}
	cancelSlow()
	cancelSlow() // idempotent
	if _, ok := <-slow; ok {
		t.Error("cancelled subscription still open")
	}
	g.onJoin(peer{name: "d"}, time.Now()) // no send on the closed channel

	g.closeSubscribers() // what Run does when it returns
	for range fast {
	}
	late, _ := g.Subscribe(1)
	if _, ok := <-late; ok {
		t.Error("subscription after Run returned is open")
	}
}

func TestEventsCarryOwnLabels(t *testing.T) {
	g, err := New(testConfig("self", make([]byte, KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	ch, cancel := g.Subscribe(1)
	defer cancel()
	g.onJoin(peer{name: "a", meta: wireMeta{Meta: Meta{Labels: map[string]string{"k": "v"}}}}, time.Now())
	ev := <-ch
	ev.Member.Meta.Labels["k"] = "changed"
	ms := g.Members()
	ms[0].Meta.Labels["k"] = "changed too"
	if m, _ := g.Member("a"); m.Meta.Labels["k"] != "v" {
		t.Errorf("table label: got %q, want v", m.Meta.Labels["k"])
	}
}

func TestNotRunning(t *testing.T) {
	g, err := New(testConfig("self", make([]byte, KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Join([]string{"127.0.0.1:1"}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Join before Run: got %v, want ErrNotRunning", err)
	}
	if err := g.Leave(time.Second); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Leave before Run: got %v, want ErrNotRunning", err)
	}
	if err := g.UpdateMeta(func(m *Meta) { m.FreeCPU = 7 }); err != nil {
		t.Errorf("UpdateMeta before Run: got %v, want it stored", err)
	}
	if got := g.LocalMeta().FreeCPU; got != 7 {
		t.Errorf("stored FreeCPU: got %d, want 7", got)
	}
	if got := g.LocalAddr(); got != "" {
		t.Errorf("LocalAddr before Run: got %q, want empty", got)
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != KeySize || len(b) != KeySize {
		t.Fatalf("got keys of %d and %d bytes, want %d", len(a), len(b), KeySize)
	}
	if string(a) == string(b) {
		t.Error("two generated keys are equal")
	}
}

func TestStatusAndEventStrings(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{StatusAlive.String(), "alive"}, {StatusSuspect.String(), "suspect"},
		{StatusDead.String(), "dead"}, {StatusLeft.String(), "left"}, {Status(9).String(), "Status(9)"},
		{EventJoin.String(), "join"}, {EventUpdate.String(), "update"}, {EventSuspect.String(), "suspect"},
		{EventAlive.String(), "alive"}, {EventDead.String(), "dead"}, {EventLeft.String(), "left"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
