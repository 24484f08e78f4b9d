package netsvc

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Object names in the table. nftables allows 256 characters per chain or
// set name, but a name built from a namespace, a service name, a port
// name and an address can be longer and can hold characters nft's parser
// does not take. So each name is a kind prefix, a hash of the full
// identity (which keeps it unique and stable), then a readable part cut
// to readableMax characters of [a-z0-9./_-]:
//
//	svc-7QDB2KX4FN-default/web/tcp/80
//	ep-K3JX2VQ6ZE-default/web/tcp/80/10.42.1.5/8080
const (
	hashLen     = 10 // base32 characters: 50 bits
	readableMax = 64
)

// objName is kind-HASH-readable for the identity id.
func objName(kind, id string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + id))
	h := base32.StdEncoding.EncodeToString(sum[:])[:hashLen]
	return kind + "-" + h + "-" + readable(id)
}

// readable keeps what nft takes in an unquoted name, lower-cased, and at
// most readableMax characters.
func readable(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		if b.Len() >= readableMax {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '/', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	return b.String()
}
