//go:build (!amd64 && !arm64) || purego

package apikey

func prefetchEntry(*entry) {}
func prefetchSlot(*slot)   {}
