package main

import (
	"os"
	"path/filepath"
)

// chartFile is one SVG the report wrote, as BENCHMARKS.md links it.
type chartFile struct {
	Name, Alt, Link string
}

// writeCharts writes the SVG of every scenario that ran into dir and
// records how a file in mdDir links them.
func (r *report) writeCharts(dir, mdDir string) error {
	type todo struct {
		name, alt string
		c         chart
	}
	var todos []todo
	if r.Attack != nil && r.Attack.Lockout != nil {
		todos = append(todos, todo{"attack.svg", "attack, lock-out case: answers per second and p99", r.Attack.Lockout.chart()})
	}
	if r.Restart != nil {
		todos = append(todos, todo{"restart.svg", "restart: answers per second and p99", r.Restart.chart()})
	}
	if r.Stale != nil {
		todos = append(todos, todo{"stale.svg", "stale: answers and store reads per second, p99", r.Stale.chart()})
	}
	if len(todos) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	for _, t := range todos {
		p := filepath.Join(dir, t.name)
		if err := os.WriteFile(p, []byte(t.c.render()), 0o644); err != nil { // #nosec G306 -- a chart to commit and read, no secret in it
			return err
		}
		link, err := filepath.Rel(mdDir, p)
		if err != nil {
			link = p
		}
		r.Charts = append(r.Charts, chartFile{Name: t.name, Alt: t.alt, Link: filepath.ToSlash(link)})
	}
	return nil
}
