package dnssvc

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// recorder is a dns.ResponseWriter that keeps the reply.
type recorder struct {
	remote net.Addr
	msg    *dns.Msg
}

func (r *recorder) LocalAddr() net.Addr         { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (r *recorder) RemoteAddr() net.Addr        { return r.remote }
func (r *recorder) WriteMsg(m *dns.Msg) error   { r.msg = m; return nil }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) Close() error                { return nil }
func (r *recorder) TsigStatus() error           { return nil }
func (r *recorder) TsigTimersOnly(bool)         {}
func (r *recorder) Hijack()                     {}

// FuzzHandler feeds arbitrary packets to the handler: whatever unpacks
// must get a reply that packs, within the client's UDP size, and nothing
// may panic.
func FuzzHandler(f *testing.F) {
	for _, c := range lookupCases {
		q := new(dns.Msg).SetQuestion(c.qname, c.qtype)
		q.SetEdns0(1232, false)
		b, err := q.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	svcs, pods := fixture()
	bs, bp := bigCluster(100)
	z := Build(testCfg, 1, append(svcs, bs...), append(pods, bp...))
	h := NewHandler(z, Options{SearchPath: z.SearchPath}) // queries come from pod web-x

	f.Fuzz(func(t *testing.T, b []byte) {
		q := new(dns.Msg)
		if err := q.Unpack(b); err != nil {
			return
		}
		w := &recorder{remote: &net.UDPAddr{IP: net.IPv4(10, 244, 1, 9), Port: 5353}}
		h.ServeDNS(w, q)
		if w.msg == nil {
			if !q.Response {
				t.Fatal("got no reply to a query, want one")
			}
			return
		}
		out, err := w.msg.Pack()
		if err != nil {
			t.Fatalf("pack reply: %v", err)
		}
		if len(out) > int(udpSize(q)) {
			t.Fatalf("reply size: got %d bytes, want at most %d", len(out), udpSize(q))
		}
	})
}

// FuzzServeUDP feeds arbitrary datagrams to the UDP path, which reads raw
// bytes and keeps packed answers: nothing may panic, whatever is answered
// must unpack with the query's ID and fit 512 bytes or the query's EDNS0
// size, and asking twice (the second time from the packed-answer cache)
// must give the same bytes but for the ID.
func FuzzServeUDP(f *testing.F) {
	for _, c := range lookupCases {
		q := new(dns.Msg).SetQuestion(c.qname, c.qtype)
		b, err := q.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	svcs, pods := fixture()
	z := Build(testCfg, 1, svcs, pods)
	h := NewHandler(z, Options{SearchPath: z.SearchPath})
	client := netip.MustParseAddr("192.0.2.9")
	f.Fuzz(func(t *testing.T, b []byte) {
		first := h.serveUDP(b, client, nil, func([]byte) {})
		if first == nil {
			return
		}
		first = append([]byte(nil), first...)
		m := new(dns.Msg)
		if err := m.Unpack(first); err != nil {
			t.Fatalf("answer does not unpack: %v", err)
		}
		q := new(dns.Msg)
		if err := q.Unpack(b); err != nil {
			t.Fatalf("answered a query that does not unpack: %v", err)
		}
		if m.Id != q.Id {
			t.Fatalf("id: got %d, want %d", m.Id, q.Id)
		}
		if len(first) > int(udpSize(q)) {
			t.Fatalf("answer size: got %d bytes, want at most %d", len(first), udpSize(q))
		}
		again := h.serveUDP(b, client, nil, func([]byte) {})
		if !bytes.Equal(again, first) {
			t.Fatalf("asked again: got %x, want %x", again, first)
		}
	})
}
