// Package connlimit guards a TLS server's listener against unauthenticated
// floods. A Listener caps how many connections are open at once (beyond
// the cap, new connections wait in the kernel's backlog, unaccepted) and
// completes each TLS handshake under a deadline, in a goroutine per
// connection, before the server sees the connection: a client that
// connects and sends nothing, or trickles its handshake, holds a slot for
// at most the deadline and never reaches the server's buffers. A second,
// smaller cap per source address keeps one host from taking every slot:
// its connections beyond that cap are closed as soon as they are
// accepted, so other hosts still get in during its flood.
//
// It owns no protocol above TLS; the Raft transport and the HTTP API both
// sit on it.
package connlimit
