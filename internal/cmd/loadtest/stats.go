package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// serviceStats is the server's "driive: keyauth stats" line: the
// apikey.Service counters at shutdown.
type serviceStats struct {
	Uptime         time.Duration
	HashRuns       uint64
	HashTimeouts   uint64
	CacheHits      uint64
	CacheMisses    uint64
	Refreshes      uint64
	Throttled      uint64
	Invalid        uint64
	Unavailable    uint64
	Syncs          uint64
	SyncFailures   uint64
	Flushes        uint64
	FlushFailures  uint64
	LastUseWritten uint64
	CachedKeys     uint64
	// Counters a server of an older keyauth does not log; Has says which
	// were in the line.
	StoreReads uint64
	TagRejects uint64
	HashSlots  uint64
	Evictions  uint64
	Has        map[string]bool
}

// parseStats reads the key=value pairs of a slog text line.
func parseStats(line string) (serviceStats, error) {
	var st serviceStats
	fields := map[string]*uint64{
		"hash_runs": &st.HashRuns, "hash_timeouts": &st.HashTimeouts,
		"cache_hits": &st.CacheHits, "cache_misses": &st.CacheMisses,
		"refreshes": &st.Refreshes, "throttled": &st.Throttled,
		"invalid": &st.Invalid, "unavailable": &st.Unavailable,
		"syncs": &st.Syncs, "sync_failures": &st.SyncFailures,
		"flushes": &st.Flushes, "flush_failures": &st.FlushFailures,
		"last_use_written": &st.LastUseWritten, "cached_keys": &st.CachedKeys,
	}
	optional := map[string]*uint64{
		"store_reads": &st.StoreReads, "tag_rejects": &st.TagRejects,
		"hash_slots": &st.HashSlots, "evictions": &st.Evictions,
	}
	st.Has = map[string]bool{}
	seen := 0
	for _, f := range strings.Fields(line) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		if k == "uptime" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return st, fmt.Errorf("stats line: uptime %q: %w", v, err)
			}
			st.Uptime = d
			seen++
			continue
		}
		p, required := fields[k], true
		if p == nil {
			p, required = optional[k], false
		}
		if p == nil {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return st, fmt.Errorf("stats line: %s=%q: %w", k, v, err)
		}
		*p = n
		st.Has[k] = true
		if required {
			seen++
		}
	}
	if seen != len(fields)+1 {
		return st, fmt.Errorf("stats line has %d of %d counters: %q", seen, len(fields)+1, line)
	}
	return st, nil
}

// procMemory returns VmHWM and VmRSS of a process in KiB.
func procMemory(pid int) (hwm, rss int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	return parseProcStatus(string(b))
}

func parseProcStatus(s string) (hwm, rss int64, err error) {
	hwm, rss = -1, -1
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("/proc status: unexpected %q", line)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc status: %q: %w", line, err)
		}
		if k == "VmHWM" {
			hwm = n
		} else {
			rss = n
		}
	}
	if hwm < 0 || rss < 0 {
		return 0, 0, fmt.Errorf("/proc status: no VmHWM or VmRSS")
	}
	return hwm, rss, nil
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux
// clear_refs, value 5), so the peak measured is the scenario's, not that
// of the start-up.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// loadRange is the machine's 1-minute load average before and after a
// scenario: other work on the machine shows in latencies.
type loadRange struct{ Before, After float64 }

func (l loadRange) String() string {
	return fmt.Sprintf("machine load average (1 min) %.1f before, %.1f after", l.Before, l.After)
}

// loadAvg is the 1-minute load average; -1 if unknown.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// procCPU is the user + system CPU time a process has used, from
// /proc/<pid>/stat (in USER_HZ ticks, 100 a second on Linux).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStat(string(b))
}

func parseProcStat(s string) (time.Duration, error) {
	// The command name is in parentheses and may hold spaces: fields
	// count from the last ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields", len(f))
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / 100), nil
}

// coldPath describes the optional cold-path counters the server logged,
// "" when it logged none.
func (st serviceStats) coldPath() string {
	var parts []string
	for _, c := range []struct {
		key, label string
		v          uint64
	}{
		{"store_reads", "store reads", st.StoreReads},
		{"tag_rejects", "wrong secrets refused by the check tag", st.TagRejects},
		{"evictions", "cache evictions", st.Evictions},
	} {
		if st.Has[c.key] {
			parts = append(parts, fmt.Sprintf("%d %s", c.v, c.label))
		}
	}
	return strings.Join(parts, ", ")
}
