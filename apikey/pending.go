package apikey

// pendingUses counts the last-used times not yet written to the store:
// those of cached keys used since their last write, and those kept for
// evicted keys that no cached entry's time covers (eachEvictedUse): what
// the next Flush would write, counted as unwritten lists them, without a
// list. It reads every cached entry, one shard at a time under the
// shard's read lock; Service.Stats says what that costs.
func (c *cache) pendingUses() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		for _, rs := range sh.ring {
			if _, ok := rs.e.unflushed(); ok {
				n++
			}
		}
		sh.mu.RUnlock()
	}
	c.eachEvictedUse(func(string, int64) { n++ })
	return n
}
