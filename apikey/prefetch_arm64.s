//go:build !purego

#include "textflag.h"

// func prefetchEntry(e *entry): the lines of e's first 24 bytes, which
// may be two (entries are 80 bytes, 16 apart).
TEXT ·prefetchEntry(SB), NOSPLIT, $0-8
	MOVD e+0(FP), R0
	PRFM (R0), PLDL1KEEP
	PRFM 16(R0), PLDL1KEEP
	RET

// func prefetchSlot(s *slot)
TEXT ·prefetchSlot(SB), NOSPLIT, $0-8
	MOVD s+0(FP), R0
	PRFM (R0), PLDL1KEEP
	RET

