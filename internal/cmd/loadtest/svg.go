package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strings"
)

// chart is a few stacked panels over one time axis, drawn as plain SVG.
type chart struct {
	Title   string
	XMax    float64 // seconds
	Panels  []panel
	Markers []marker // vertical lines across every panel
}

type panel struct {
	YLabel string
	Log    bool // log10 y axis from 1 (values below 1 are drawn at 1)
	Series []series
	Refs   []ref // horizontal lines: goals, limits
}

type series struct {
	Name  string
	Color string
	X, Y  []float64
}

type ref struct {
	Label string
	Y     float64
	Color string
}

type marker struct {
	Label string
	X     float64
}

// Layout, in SVG user units.
const (
	svgWidth    = 760
	panelHeight = 190
	marginLeft  = 70
	marginRight = 170 // legend
	marginTop   = 40
	panelGap    = 45
	marginBot   = 40
)

// niceStep is the 1, 2 or 5 × 10^k at or above raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= raw*(1-1e-9) {
			return m * e
		}
	}
	return 10 * e
}

// linearTicks are 0, step, ... up to the first tick at or above max,
// about five of them.
func linearTicks(max float64) []float64 {
	if max <= 0 {
		max = 1
	}
	step := niceStep(max / 5)
	var t []float64
	for v := 0.0; ; v += step {
		t = append(t, v)
		if v >= max*(1-1e-9) {
			return t
		}
	}
}

// logTicks are the powers of ten from 1 to the first at or above max.
func logTicks(max float64) []float64 {
	t := []float64{1}
	for t[len(t)-1] < max {
		t = append(t, t[len(t)-1]*10)
	}
	if len(t) == 1 {
		t = append(t, 10)
	}
	return t
}

// fmtNum prints axis values: 1500 as 1.5k, 2000000 as 2M.
func fmtNum(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v/1e6), "0"), ".") + "M"
	case a >= 1e3:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v/1e3), "0"), ".") + "k"
	case a == math.Trunc(a):
		return fmt.Sprintf("%.0f", v)
	default:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
	}
}

// render writes the chart as a standalone SVG document.
func (c chart) render() string {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	esc := html.EscapeString
	plotW := float64(svgWidth - marginLeft - marginRight)
	height := marginTop + len(c.Panels)*panelHeight + max(len(c.Panels)-1, 0)*panelGap + marginBot
	w(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		svgWidth, height, svgWidth, height)
	w(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	w(`<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", marginLeft, esc(c.Title))
	xmax := c.XMax
	if xmax <= 0 {
		xmax = 1
	}
	xTicks := linearTicks(xmax)
	xmax = xTicks[len(xTicks)-1]
	px := func(x float64) float64 { return marginLeft + x/xmax*plotW }
	for i, p := range c.Panels {
		top := float64(marginTop + i*(panelHeight+panelGap))
		bottom := top + panelHeight
		ymax := 0.0
		for _, s := range p.Series {
			for _, y := range s.Y {
				ymax = math.Max(ymax, y)
			}
		}
		for _, r := range p.Refs {
			ymax = math.Max(ymax, r.Y)
		}
		var ticks []float64
		var py func(float64) float64
		if p.Log {
			ticks = logTicks(ymax)
			hi := math.Log10(ticks[len(ticks)-1])
			py = func(y float64) float64 { return bottom - math.Log10(math.Max(y, 1))/hi*panelHeight }
		} else {
			ticks = linearTicks(ymax)
			hi := ticks[len(ticks)-1]
			py = func(y float64) float64 { return bottom - y/hi*panelHeight }
		}
		w(`<g class="panel">` + "\n")
		w(`<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="none" stroke="#999"/>`+"\n", marginLeft, top, plotW, panelHeight)
		for _, t := range ticks {
			y := py(t)
			w(`<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", marginLeft, y, marginLeft+plotW, y)
			w(`<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", marginLeft-5, y+4, fmtNum(t))
		}
		w(`<text transform="translate(15 %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", top+panelHeight/2, esc(p.YLabel))
		for _, t := range xTicks {
			x := px(t)
			w(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x, top, x, bottom)
			w(`<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, bottom+14, fmtNum(t))
		}
		for j, m := range c.Markers {
			x := px(m.X)
			w(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#555" stroke-dasharray="2 3"/>`+"\n", x, top, x, bottom)
			if i == 0 { // labels once, staggered so neighbours do not overlap
				w(`<text x="%.1f" y="%.1f" font-size="10" fill="#555">%s</text>`+"\n", x+3, top+12+float64(j%2)*12, esc(m.Label))
			}
		}
		legendY := top + 10
		for _, r := range p.Refs {
			y := py(r.Y)
			w(`<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 4"/>`+"\n", marginLeft, y, marginLeft+plotW, y, r.Color)
			w(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 4"/>`+"\n", marginLeft+plotW+10, legendY, marginLeft+plotW+30, legendY, r.Color)
			w(`<text x="%.1f" y="%.1f">%s</text>`+"\n", marginLeft+plotW+35, legendY+4, esc(r.Label))
			legendY += 16
		}
		for _, s := range p.Series {
			var pts []string
			for j := range min(len(s.X), len(s.Y)) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.X[j]), py(s.Y[j])))
			}
			w(`<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", s.Color, strings.Join(pts, " "))
			w(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", marginLeft+plotW+10, legendY, marginLeft+plotW+30, legendY, s.Color)
			w(`<text x="%.1f" y="%.1f">%s</text>`+"\n", marginLeft+plotW+35, legendY+4, esc(s.Name))
			legendY += 16
		}
		w("</g>\n")
	}
	w(`<text x="%.1f" y="%d" text-anchor="middle">seconds</text>`+"\n", marginLeft+plotW/2, height-8)
	w("</svg>\n")
	return b.String()
}

// Colours of the charts' series.
const (
	colorOK      = "#1b7f3b" // 200 answers
	colorBad     = "#c62828" // attackers, 503
	colorThird   = "#1565c0" // store reads, the victim's p99
	colorGoal    = "#ef6c00"
	colorNeutral = "#6a1b9a"
)

// seriesOf turns buckets into one series per wanted measure.
func rateSeries(name, color string, bs []bucket, code int, width float64) series {
	s := series{Name: name, Color: color}
	for _, b := range bs {
		s.X = append(s.X, b.Start.Seconds()+width/2)
		s.Y = append(s.Y, b.rate(code, secondsDur(width)))
	}
	return s
}

func p99Series(name, color string, bs []bucket, width float64) series {
	s := series{Name: name, Color: color}
	for _, b := range bs {
		if b.N == 0 {
			continue
		}
		s.X = append(s.X, b.Start.Seconds()+width/2)
		s.Y = append(s.Y, float64(b.P99.Microseconds())/1000)
	}
	return s
}
