package dnssvc

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Bounds of the packed-answer cache.
const (
	// wireShards spreads the cache's locks.
	wireShards = 32
	// wireShardBytes bounds one shard's answers and keys; a full shard is
	// emptied (cheap, and the answers are rebuilt in microseconds).
	wireShardBytes = 1 << 20
	// maxWireQuery is the longest query whose answer is kept.
	maxWireQuery = 512
	// forwardedFor is how long a packed upstream answer is reused: its
	// TTLs then overstate the truth by less than this.
	forwardedFor = time.Second
)

// wireCache keeps packed answers keyed by every byte of the query but its
// ID, so a repeated question skips unpacking, lookup and packing: the
// answer is copied and given the query's ID. An answer from the zone is
// good until the zone changes; one from an upstream for forwardedFor at
// most.
type wireCache struct {
	seed   maphash.Seed
	shards [wireShards]wireShard
}

type wireShard struct {
	mu    sync.RWMutex
	m     map[string]*wireEntry
	bytes int
}

type wireEntry struct {
	resp []byte
	// zone is the snapshot a zone answer came from; nil for forwarded.
	zone *Zone
	// expires (unix ns) bounds a forwarded answer.
	expires int64
	src     source
	// negative is an NXDOMAIN, which a pod may get expanded instead.
	negative bool
	// counter counts the answer's query type and rcode (nil without
	// metrics).
	counter prometheus.Counter
}

func newWireCache() *wireCache {
	c := &wireCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = map[string]*wireEntry{}
	}
	return c
}

func (c *wireCache) shard(key []byte) *wireShard {
	return &c.shards[maphash.Bytes(c.seed, key)%wireShards]
}

// get returns the entry for key if it is still good for zone at now.
func (c *wireCache) get(key []byte, zone *Zone, now int64) *wireEntry {
	s := c.shard(key)
	s.mu.RLock()
	e := s.m[string(key)]
	s.mu.RUnlock()
	if e == nil || (e.src == fromZone && e.zone != zone) || (e.src == fromForward && now >= e.expires) {
		return nil
	}
	return e
}

// put keeps a copy of resp for key.
func (c *wireCache) put(key, resp []byte, e wireEntry) {
	if len(key) > maxWireQuery {
		return
	}
	e.resp = append([]byte(nil), resp...)
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bytes+len(key)+len(resp) > wireShardBytes {
		clear(s.m)
		s.bytes = 0
	}
	if old, ok := s.m[string(key)]; ok {
		s.bytes -= len(key) + len(old.resp)
	}
	s.m[string(key)] = &e
	s.bytes += len(key) + len(resp)
}
