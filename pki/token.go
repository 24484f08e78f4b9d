package pki

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// tokenPrefix starts every join token; the 1 is the token format version.
const tokenPrefix = "SHOAL-1-"

// ErrBadToken is returned for a token that is not of the SHOAL-1 form.
var ErrBadToken = errors.New("malformed token")

// Token is the cluster join token SHOAL-1-<CA hash>-<secret>: the CA hash
// lets a joiner or client pin the cluster CA before it sends anything
// secret; the secret proves membership.
type Token struct {
	CAHash string
	Secret string
}

// NewToken makes a token for ca with a fresh 32-byte random secret.
func NewToken(ca *CA) (Token, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Token{}, fmt.Errorf("token secret: %w", err)
	}
	return Token{CAHash: ca.Hash(), Secret: hex.EncodeToString(b)}, nil
}

func (t Token) String() string { return tokenPrefix + t.CAHash + "-" + t.Secret }

// ParseToken reads a token. It says what is wrong without echoing the
// secret.
func ParseToken(s string) (Token, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Token{}, fmt.Errorf("%w: empty token", ErrBadToken)
	}
	if !strings.HasPrefix(s, tokenPrefix) {
		return Token{}, fmt.Errorf("%w: must start with %q", ErrBadToken, tokenPrefix)
	}
	hash, secret, ok := strings.Cut(strings.TrimPrefix(s, tokenPrefix), "-")
	if !ok || secret == "" {
		return Token{}, fmt.Errorf("%w: want SHOAL-1-<ca-hash>-<secret>", ErrBadToken)
	}
	if len(hash) != 64 || !isHex(hash) {
		return Token{}, fmt.Errorf("%w: CA hash must be 64 hex digits", ErrBadToken)
	}
	if len(secret) < 16 {
		return Token{}, fmt.Errorf("%w: secret too short", ErrBadToken)
	}
	return Token{CAHash: strings.ToLower(hash), Secret: secret}, nil
}

// SecretMatches compares a presented secret with the cluster's in constant
// time (hashing first so lengths leak nothing either).
func (t Token) SecretMatches(presented string) bool {
	a := sha256.Sum256([]byte(t.Secret))
	b := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// SecretHash is the hex SHA-256 of a secret: what the cluster state keeps
// of it, since every node holds a replica.
func SecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SecretHashMatches reports, in constant time, whether presented is the
// secret whose SecretHash is hash.
func SecretHashMatches(hash, presented string) bool {
	got := SecretHash(presented)
	return subtle.ConstantTimeCompare([]byte(got), []byte(strings.ToLower(hash))) == 1
}

// NewSecretToken makes a token pinning the CA whose hash is caHash with a
// fresh 32-byte random secret.
func NewSecretToken(caHash string) (Token, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Token{}, fmt.Errorf("token secret: %w", err)
	}
	return Token{CAHash: caHash, Secret: hex.EncodeToString(b)}, nil
}
