package returns

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// NewID returns a new 24-hex-digit identifier in the shape Redo uses
// (Mongo ObjectId style): 4 bytes of Unix seconds then 8 random bytes, so ids
// sort roughly by creation time.
func NewID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	_, _ = rand.Read(b[4:]) // crypto/rand.Read never fails (Go ≥1.24)
	return hex.EncodeToString(b[:])
}
