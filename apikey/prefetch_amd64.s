//go:build !purego

#include "textflag.h"

// func prefetchEntry(e *entry): the lines of e's first 24 bytes, which
// may be two (entries are 80 bytes, 16 apart).
TEXT ·prefetchEntry(SB), NOSPLIT, $0-8
	MOVQ e+0(FP), AX
	PREFETCHT0 (AX)
	PREFETCHT0 16(AX)
	RET

// func prefetchSlot(s *slot)
TEXT ·prefetchSlot(SB), NOSPLIT, $0-8
	MOVQ s+0(FP), AX
	PREFETCHT0 (AX)
	RET

