package sqlstore

import "testing"

// A batch is written in chunks that add up to it: the whole batch up to
// exactChunk rows, else powers of two no larger than maxChunk, so that
// the statement texts stay few.
func TestChunkSize(t *testing.T) {
	sizes := map[int]bool{}
	for n := 1; n <= 300; n++ {
		var chunks []int
		for rest := n; rest > 0; {
			c := chunkSize(rest)
			if c < 1 || c > rest || c > maxChunk {
				t.Fatalf("n=%d: chunk %d of %d left", n, c, rest)
			}
			chunks = append(chunks, c)
			sizes[c] = true
			rest -= c
		}
		if n <= exactChunk && len(chunks) != 1 {
			t.Errorf("n=%d: chunks %v, want one", n, chunks)
		}
	}
	if len(sizes) != exactChunk+2 { // 1..16, 32, 64
		t.Errorf("%d statement sizes, want %d", len(sizes), exactChunk+2)
	}
}
