//go:build (amd64 || arm64) && !purego

package apikey

// prefetchEntry asks the CPU to bring in the cache lines of what an
// eviction reads of e (its first 24 bytes), without waiting for them: a
// hint, with no effect on what the program computes.
//
//go:noescape
func prefetchEntry(e *entry)

// prefetchSlot is prefetchEntry for an index slot.
//
//go:noescape
func prefetchSlot(s *slot)
