package azuresim

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// lookup finds an account by name, case-insensitively as ARM does. Callers hold s.mu.
func (s *Sim) lookup(name string) *account {
	for _, a := range s.accounts {
		if strings.EqualFold(a.name, name) {
			return a
		}
	}
	return nil
}

// Keys returns an account's current keys ("" for an unknown account).
func (s *Sim) Keys(name string) (key1, key2 string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.lookup(name); a != nil {
		return a.key1, a.key2
	}
	return "", ""
}

// RotateKey replaces key1 or key2 of an account with a new random key (as
// regenerateKey does) and returns it; "" for an unknown account or key name.
func (s *Sim) RotateKey(name, keyName string) string {
	var raw [64]byte
	_, _ = rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.lookup(name)
	if a == nil {
		return ""
	}
	now := s.now().UTC()
	switch strings.ToLower(keyName) {
	case "key1":
		a.key1, a.key1Created = key, now
	case "key2":
		a.key2, a.key2Created = key, now
	default:
		return ""
	}
	return key
}

// SetAccountBlobEndpoint sets the properties.primaryEndpoints.blob ARM reports
// for an account (Azurite's URL in tests and the demo).
func (s *Sim) SetAccountBlobEndpoint(name, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.lookup(name); a != nil {
		a.blobEndpoint = url
	}
}
