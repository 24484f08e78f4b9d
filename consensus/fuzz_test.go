package consensus

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// FuzzDecodeCommand feeds arbitrary bytes to the command decoder that
// guards the Raft log (the leader runs it on forwarded commands before
// proposing them). Decoding must never panic, and whatever decodes must
// apply to a fresh FSM without panicking and re-encode.
func FuzzDecodeCommand(f *testing.F) {
	put, err := EncodePut(Put{Mode: ModeApply, Time: time.Unix(1700000000, 0), Objects: nil})
	if err != nil {
		f.Fatal(err)
	}
	del, err := EncodeDelete(Delete{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(put)
	f.Add(del)
	f.Add([]byte("\x01{\"objects\":[{\"kind\":\"ConfigMap\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\",\"namespace\":\"default\"}}}],\"mode\":\"apply\",\"time\":\"2026-01-01T00:00:00Z\"}"))
	f.Add([]byte("\x02{\"keys\":[{\"kind\":\"ConfigMap\",\"namespace\":\"default\",\"name\":\"a\"}]}"))
	f.Add([]byte{0x07, '{', '}'})
	f.Fuzz(func(t *testing.T, b []byte) {
		cmd, err := DecodeCommand(b)
		if err != nil {
			return
		}
		fsm := NewFSM(NewStore(), nil)
		_ = fsm.Apply(&raft.Log{Index: 1, Type: raft.LogCommand, Data: b})
		var again []byte
		switch c := cmd.(type) {
		case Put:
			again, err = EncodePut(c)
		case Delete:
			again, err = EncodeDelete(c)
		}
		if err != nil {
			return // e.g. a zero Time: the encoder refuses what a proposer must not send
		}
		if _, err := DecodeCommand(again); err != nil {
			t.Fatalf("re-encoded command does not decode: %v", err)
		}
	})
}
