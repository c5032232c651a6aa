package nar_test

import (
	"crypto/sha256"
	"encoding/hex"
)

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

func hexString(b []byte) string { return hex.EncodeToString(b) }

// nixBase32 is Nix's base32, written out here from its definition so the
// store path test does not check go-nix against itself: digits of 5 bits
// taken from the last byte to the first, alphabet without e, o, u, t.
func nixBase32(b []byte) string {
	const alphabet = "0123456789abcdfghijklmnpqrsvwxyz"
	n := (len(b)*8-1)/5 + 1
	out := make([]byte, 0, n)
	for i := n - 1; i >= 0; i-- {
		bit := i * 5
		j, k := bit/8, bit%8
		c := int(b[j]) >> k
		if j+1 < len(b) {
			c |= int(b[j+1]) << (8 - k)
		}
		out = append(out, alphabet[c&0x1f])
	}
	return string(out)
}
