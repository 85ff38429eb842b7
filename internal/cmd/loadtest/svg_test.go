package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{0.3: 0.5, 1: 1, 1.2: 2, 3: 5, 7: 10, 20: 20, 4100: 5000, 0: 1, -3: 1} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
}

func TestTicks(t *testing.T) {
	eq := func(a, b []float64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	for _, tc := range []struct {
		max  float64
		want []float64
	}{
		{10, []float64{0, 2, 4, 6, 8, 10}},
		{23, []float64{0, 5, 10, 15, 20, 25}},
		{0, []float64{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}},
	} {
		if got := linearTicks(tc.max); !eq(got, tc.want) {
			t.Errorf("linearTicks(%v) = %v, want %v", tc.max, got, tc.want)
		}
	}
	if got := logTicks(2500); !eq(got, []float64{1, 10, 100, 1000, 10000}) {
		t.Errorf("logTicks(2500) = %v", got)
	}
	if got := logTicks(0.5); !eq(got, []float64{1, 10}) {
		t.Errorf("logTicks(0.5) = %v", got)
	}
}

func TestFmtNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 5: "5", 0.25: "0.25", 1500: "1.5k", 2000: "2k", 2e6: "2M", 12.5: "12.5"} {
		if got := fmtNum(v); got != want {
			t.Errorf("fmtNum(%v) = %q, want %q", v, got, want)
		}
	}
}

// svgDoc is what the tests read back from a rendered chart.
type svgDoc struct {
	XMLName xml.Name `xml:"svg"`
	Width   int      `xml:"width,attr"`
	Height  int      `xml:"height,attr"`
	Texts   []string `xml:"text"`
	Groups  []struct {
		Polylines []struct {
			Points string `xml:"points,attr"`
			Stroke string `xml:"stroke,attr"`
		} `xml:"polyline"`
		Texts []string `xml:"text"`
	} `xml:"g"`
}

func testChart() chart {
	return chart{
		Title: "a <title> & more",
		XMax:  4,
		Panels: []panel{
			{YLabel: "answers/s", Log: true, Series: []series{
				{Name: "200", Color: colorOK, X: []float64{0.5, 1.5, 2.5}, Y: []float64{10, 1000, 0}},
				{Name: "503", Color: colorBad, X: []float64{0.5}, Y: []float64{5}},
			}, Refs: []ref{{Label: "goal", Y: 100, Color: colorGoal}}},
			{YLabel: "p99, ms", Series: []series{{Name: "p99", Color: colorThird, X: []float64{0, 4}, Y: []float64{0, 20}}}},
		},
		Markers: []marker{{Label: "store stopped", X: 1}},
	}
}

func TestChartRender(t *testing.T) {
	out := testChart().render()
	var doc svgDoc
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if doc.Width != svgWidth || doc.Height != marginTop+2*panelHeight+panelGap+marginBot {
		t.Fatalf("size %dx%d", doc.Width, doc.Height)
	}
	if len(doc.Texts) == 0 || doc.Texts[0] != "a <title> & more" {
		t.Fatalf("title %q: not escaped and read back", doc.Texts)
	}
	if len(doc.Groups) != 2 {
		t.Fatalf("%d panels, want 2", len(doc.Groups))
	}
	top := doc.Groups[0]
	if len(top.Polylines) != 2 || top.Polylines[0].Stroke != colorOK {
		t.Fatalf("top panel polylines: %+v", top.Polylines)
	}
	pts := strings.Fields(top.Polylines[0].Points)
	if len(pts) != 3 {
		t.Fatalf("points %q, want 3", pts)
	}
	y := func(p string) float64 {
		_, v, _ := strings.Cut(p, ",")
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	bottom := float64(marginTop + panelHeight)
	// Log axis 1..1000: 10 is a third of the way up, 1000 at the top, 0
	// drawn at 1 (the bottom).
	if got, want := y(pts[0]), bottom-float64(panelHeight)/3; abs(got-want) > 0.1 {
		t.Errorf("y of 10 on the log axis = %v, want %v", got, want)
	}
	if got, want := y(pts[1]), float64(marginTop); abs(got-want) > 0.1 {
		t.Errorf("y of 1000 = %v, want the panel's top %v", got, want)
	}
	if got := y(pts[2]); abs(got-bottom) > 0.1 {
		t.Errorf("y of 0 on a log axis = %v, want the bottom %v", got, bottom)
	}
	joined := strings.Join(top.Texts, "|")
	for _, want := range []string{"store stopped", "goal", "200", "503", "1k", "answers/s"} {
		if !strings.Contains(joined, want) {
			t.Errorf("top panel lacks text %q: %s", want, joined)
		}
	}
	if strings.Contains(strings.Join(doc.Groups[1].Texts, "|"), "store stopped") {
		t.Error("a marker's label is repeated in the second panel")
	}
	// Linear axis 0..20: 20 at the top of the second panel.
	second := strings.Fields(doc.Groups[1].Polylines[0].Points)
	top2 := float64(marginTop + panelHeight + panelGap)
	if got := y(second[1]); abs(got-top2) > 0.1 {
		t.Errorf("y of 20 = %v, want %v", got, top2)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestWriteCharts(t *testing.T) {
	dir := t.TempDir()
	r := fixedReport()
	r.Attack.Lockout.Start = time.Unix(0, 0)
	r.Restart.Start = time.Unix(0, 0)
	if err := r.writeCharts(filepath.Join(dir, "docs", "benchmarks"), dir); err != nil {
		t.Fatal(err)
	}
	if len(r.Charts) != 3 {
		t.Fatalf("charts %+v, want 3", r.Charts)
	}
	for _, c := range r.Charts {
		if c.Link != "docs/benchmarks/"+c.Name {
			t.Errorf("link %q", c.Link)
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c.Link)))
		if err != nil {
			t.Fatal(err)
		}
		var doc svgDoc
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	out := renderReport(r)
	if !strings.Contains(out, "![stale: answers and store reads per second, p99](docs/benchmarks/stale.svg)") {
		t.Errorf("report does not show the stale chart:\n%s", out)
	}
}
