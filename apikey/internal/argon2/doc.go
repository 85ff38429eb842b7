// Package argon2 is the Argon2id function of golang.org/x/crypto/argon2
// (v0.55.0), computed in working memory the caller keeps from one run to
// the next.
//
// x/crypto's IDKey allocates its memory (19 MiB at keyauth's default
// parameters) on every call and leaves it to the garbage collector; see
// https://go.dev/issue/36634, which asks for a way to reuse it. In a
// server that verifies keys while it also answers a flood of other
// requests, each run then waits for fresh pages: the heap the flood has
// fragmented has no free run of that size, so it grows, and the new pages
// fault in one by one. apikey keeps one Memory per argon2id slot
// instead, so a run touches only memory it has used before.
//
// The algorithm and the compression function are x/crypto's, unchanged,
// including its SSE4.1 assembly. Two things differ, both about memory:
//
//   - IDKey writes into a Memory, grown when a run needs more, instead of
//     a new slice.
//   - x/crypto XORs every new block into memory it knows to be zero; here
//     the first pass writes each block outright (the same value, since x
//     XOR 0 is x), so what an earlier run left in the memory never reaches
//     the result. The later passes XOR, as the specification says.
//
// Tests compare the output with x/crypto's for many parameters, on memory
// filled with garbage first, and with RFC 9106's test vector.
//
// The files copied from x/crypto keep their copyright notice; the license
// is in LICENSE.
package argon2
