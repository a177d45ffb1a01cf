package returns

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// idProcess and idCounter make NewID's ids unique and ordered within a
// process: 5 random bytes chosen once, then a counter that starts at a
// random value.
var (
	idProcess [5]byte
	idCounter atomic.Uint32
)

func init() {
	var b [4]byte
	_, _ = rand.Read(idProcess[:])
	_, _ = rand.Read(b[:])
	// A start in the lower half leaves 8 million ids before the 3-byte
	// counter wraps.
	idCounter.Store(binary.BigEndian.Uint32(b[:]) & 0x7fffff)
}

// NewID returns a new 24-hex-digit identifier in the shape Redo uses (a
// Mongo ObjectId): 4 bytes of Unix seconds, 5 bytes fixed per process and a
// 3-byte counter. Ids sort by creation time; within one process and one
// second they sort in the order they were made (up to 16.7 million per
// second), so keyset pages by id list returns newest first exactly.
func NewID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	copy(b[4:9], idProcess[:])
	c := idCounter.Add(1)
	b[9], b[10], b[11] = byte(c>>16), byte(c>>8), byte(c)
	return hex.EncodeToString(b[:])
}
