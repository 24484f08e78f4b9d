package forward

import (
	"container/list"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cacheKey is what makes two questions the same answer.
type cacheKey struct {
	name   string // lower-cased, fully qualified
	qtype  uint16
	qclass uint16
	do, cd bool
}

// string is the key for singleflight.
func (k cacheKey) string() string {
	b := make([]byte, 0, len(k.name)+7)
	b = append(b, k.name...)
	b = append(b, 0, byte(k.qtype>>8), byte(k.qtype), byte(k.qclass>>8), byte(k.qclass))
	flag := byte(0)
	if k.do {
		flag |= 1
	}
	if k.cd {
		flag |= 2
	}
	return string(append(b, flag))
}

// entry is one cached answer: the upstream's message as it arrived, when,
// and when it stops being served.
type entry struct {
	key     cacheKey
	msg     *dns.Msg
	stored  time.Time
	expires time.Time
}

// cache is a fixed-size LRU of answers. It never changes a stored message;
// readers copy it.
type cache struct {
	mu    sync.Mutex
	size  int
	ll    *list.List // of *entry, most recent first
	items map[cacheKey]*list.Element
}

func newCache(size int) *cache {
	return &cache{size: size, ll: list.New(), items: make(map[cacheKey]*list.Element)}
}

// get returns the live entry for k, dropping it when it has expired.
func (c *cache) get(k cacheKey, now time.Time) (*entry, bool) {
	if c.size <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if !now.Before(e.expires) {
		c.ll.Remove(el)
		delete(c.items, k)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return e, true
}

// put stores e, evicting the least recently used entry when full.
func (c *cache) put(e *entry) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.items[e.key] = c.ll.PushFront(e)
	for c.ll.Len() > c.size {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*entry).key)
	}
}

// len is how many entries the cache holds.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// cacheTTL is how long msg may be cached, clamped to [lo, hi]; zero means not
// at all. Positive answers live for their smallest answer TTL; NXDOMAIN and
// NODATA for the SOA's minimum or its own TTL, whichever is smaller (RFC 2308
// section 5), and not at all without a SOA.
func cacheTTL(msg *dns.Msg, lo, hi time.Duration) time.Duration {
	if msg.Truncated {
		return 0
	}
	var ttl uint32
	switch {
	case msg.Rcode == dns.RcodeSuccess && len(msg.Answer) > 0:
		ttl = ^uint32(0)
		for _, rr := range msg.Answer {
			ttl = min(ttl, rr.Header().Ttl)
		}
	case msg.Rcode == dns.RcodeSuccess || msg.Rcode == dns.RcodeNameError:
		soa := negativeSOA(msg)
		if soa == nil {
			return 0
		}
		ttl = min(soa.Hdr.Ttl, soa.Minttl)
	default:
		return 0
	}
	d := time.Duration(ttl) * time.Second
	d = max(d, lo)
	d = min(d, hi)
	return d
}

// negativeSOA is the SOA in the authority section of a negative answer.
func negativeSOA(msg *dns.Msg) *dns.SOA {
	for _, rr := range msg.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa
		}
	}
	return nil
}
