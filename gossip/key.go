package gossip

import (
	"crypto/rand"
	"fmt"
)

// GenerateKey returns a new random KeySize-byte cluster key.
func GenerateKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generate gossip key: %w", err)
	}
	return k, nil
}
