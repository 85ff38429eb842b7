package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/driive/keyauth/internal/keytest"
)

// The attackers of the attack, lock-out and tenants scenarios run in a
// child process of their own ("loadtest flood"), at a lower scheduling
// priority than the server and the clients whose answers are measured.
// Real attackers do not share the server's CPU; a load generator on the
// same two cores at the same priority would take about half of it from
// the server, and the measured clients' own goroutines would queue behind
// 64 attacking ones in the same Go scheduler. At the lower priority the
// attackers still send as fast as the server answers them (the server, not
// the generator, is the bottleneck), and the printed attack rate says how
// fast that was.

// floodNice is the attackers' nice value (0 is the default priority,
// 19 the lowest).
const floodNice = 10

// floodSpec is what a flood does: workers keep-alive clients send GET url
// as fast as they are answered, each request with a wrong secret (and a
// valid checksum) for the next of keys in turn, for For (0: until the
// flood is interrupted).
type floodSpec struct {
	URL     string
	Keys    []string
	Workers int
	For     time.Duration
}

// floodResult is a sample on the wire: events as (done unix ns, latency
// ns, status).
type floodResult struct {
	Events  [][3]int64
	Errors  map[string]int
	No503RA int
	Elapsed time.Duration
}

// flood runs spec in a child process at floodNice and returns what its
// clients saw. Cancelling ctx ends the flood (the child is interrupted and
// still reports).
func flood(ctx context.Context, spec floodSpec) (*sample, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	in, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	args := []string{exe, "flood"}
	if nice, err := exec.LookPath("nice"); err == nil {
		args = append([]string{nice, "-n", itoa(floodNice)}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...) // #nosec G204 -- this program itself, under nice
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Signal(os.Interrupt) })
	defer stop()
	var res floodResult
	decErr := json.NewDecoder(out).Decode(&res)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("flood: %w", err)
	}
	if decErr != nil {
		return nil, fmt.Errorf("flood: reading its result: %w", decErr)
	}
	return res.sample(), nil
}

func (r *floodResult) sample() *sample {
	s := newSample()
	for _, e := range r.Events {
		s.record(time.Unix(0, e[0]), time.Duration(e[1]), int(e[2]), "", true)
	}
	s.Errors = r.Errors
	if s.Errors == nil {
		s.Errors = map[string]int{}
	}
	s.No503RA = r.No503RA
	s.Elapsed = r.Elapsed
	s.percentiles()
	return s
}

// runFlood is the child: it reads a floodSpec on in, floods until the
// spec's time is up or ctx ends, and writes a floodResult on out.
func runFlood(ctx context.Context, in io.Reader, out io.Writer) error {
	var spec floodSpec
	if err := json.NewDecoder(in).Decode(&spec); err != nil {
		return fmt.Errorf("flood spec: %w", err)
	}
	if spec.URL == "" || len(spec.Keys) == 0 || spec.Workers <= 0 || spec.For < 0 {
		return errors.New("flood spec: need a URL, keys, workers > 0 and a duration >= 0")
	}
	var next atomic.Uint64
	tr := func(t *vegeta.Target) error {
		k := spec.Keys[next.Add(1)%uint64(len(spec.Keys))]
		*t = vegeta.Target{Method: "GET", URL: spec.URL, Header: bearer(keytest.WrongSecret(k))}
		return nil
	}
	s := load(ctx, "flood", tr, spec.Workers, 0, spec.For)
	res := floodResult{Events: make([][3]int64, len(s.events)), Errors: s.Errors, No503RA: s.No503RA, Elapsed: s.Elapsed}
	for i, e := range s.events {
		res.Events[i] = [3]int64{e.Done.UnixNano(), int64(e.Latency), int64(e.Code)}
	}
	return json.NewEncoder(out).Encode(res)
}
