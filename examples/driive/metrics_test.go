package main

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/driive/keyauth/apikey"
)

// TestMetricsProcess runs the binary with -metrics-addr on a free loopback
// port: the listener serves keyauth's counters, one authenticated and one
// refused request move the authentication counter by exactly one each,
// neither key text nor organization ids are labels, the API's listener
// does not serve the metrics (nor the metrics listener the API), and
// SIGTERM closes both.
func TestMetricsProcess(t *testing.T) {
	bin := builtBinary(t)
	srv := startServer(t, bin, "sqlite:"+t.TempDir()+"/driive.db", nil,
		"-admin-password", "correct horse battery", "-metrics-addr", "127.0.0.1:0")
	if srv.demoKey == "" {
		t.Fatalf("the first start printed no demo key:\n%s", srv.stdout.String())
	}
	m := regexp.MustCompile(`(?m)^Metrics on (http://(127\.0\.0\.1:\d+)/metrics)$`).FindStringSubmatch(srv.stdout.String())
	if m == nil {
		t.Fatalf("no metrics URL on 127.0.0.1 in:\n%s", srv.stdout.String())
	}
	metricsURL, metricsHost := m[1], m[2]
	if metricsHost == strings.TrimPrefix(srv.url, "http://") {
		t.Fatalf("the metrics listen on the API's address %s", metricsHost)
	}

	before := waitForMetrics(t, metricsURL)
	api := srv.url + "/v1/organizations/demo/contacts"
	if got := httpStatus(t, srv.demoKey, "GET", api, ""); got != 200 {
		t.Fatalf("the demo key answers %d", got)
	}
	// A wrong checksum: refused as invalid_api_key without a store lookup.
	wrong := srv.demoKey[:len(srv.demoKey)-1] + flipped(srv.demoKey[len(srv.demoKey)-1])
	if res := getWithKey(t, wrong, api); res.status != 401 || res.json(t)["code"] != "invalid_api_key" {
		t.Fatalf("a wrong key answers %d %s, want 401 invalid_api_key", res.status, res.body)
	}
	// Both answers were read: the counters moved before the scrape.
	body, after := scrapeMetrics(t, metricsURL)
	for _, c := range []struct {
		family, label, value string
		delta                float64
	}{
		{"keyauth_auth_requests_total", "outcome", "ok", 1},
		{"keyauth_auth_requests_total", "outcome", "invalid", 1},
		{"keyauth_auth_requests_total", "outcome", "revoked", 0},
		{"keyauth_auth_refusals_total", "outcome", "invalid", 1}, // from Service.Stats, read at the scrape
	} {
		was, now := sample(t, before, c.family, c.label, c.value), sample(t, after, c.family, c.label, c.value)
		if now-was != c.delta {
			t.Errorf("%s{%s=%q} went from %v to %v, want +%v", c.family, c.label, c.value, was, now, c.delta)
		}
	}

	id := srv.demoKey[len("dk_") : len("dk_")+apikey.IDLen]
	if keyText.MatchString(body) || strings.Contains(body, id) || strings.Contains(body, `"demo"`) {
		t.Errorf("the metrics show key text, a key id or an organization id:\n%s", body)
	}
	for _, f := range after {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if n := l.GetName(); strings.Contains(n, "org") || strings.Contains(n, "key") {
					t.Errorf("%s has a label %s=%q", f.GetName(), n, l.GetValue())
				}
			}
		}
	}

	t.Run("one listener each", func(t *testing.T) {
		if res := getWithKey(t, srv.demoKey, srv.url+"/metrics"); res.status == 200 || strings.Contains(string(res.body), "keyauth_") {
			t.Errorf("the API's listener answers /metrics with %d %s", res.status, res.body)
		}
		if res := getWithKey(t, srv.demoKey, "http://"+metricsHost+"/v1/organizations/demo/contacts"); res.status != 404 {
			t.Errorf("the metrics listener answers the API with %d %s", res.status, res.body)
		}
	})

	srv.signal(t, syscall.SIGTERM)
	if code := srv.wait(t); code != 0 {
		t.Fatalf("exit status %d after SIGTERM; stderr:\n%s", code, srv.stderr.String())
	}
	if c, err := net.DialTimeout("tcp", metricsHost, time.Second); err == nil {
		c.Close()
		t.Fatal("the metrics listener accepts connections after the server exited")
	}
}

// TestMetricsAddrRefused checks that serve refuses, before it opens the
// database, a -metrics-addr that is not a loopback address or that is the
// API's port, with exit status 2 and one line on stderr, in process and
// from the binary.
func TestMetricsAddrRefused(t *testing.T) {
	path := t.TempDir() + "/m.db"
	db := "sqlite:" + path
	t.Cleanup(func() {
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a refused -metrics-addr opened the database (stat: %v)", err)
		}
	})
	for _, addr := range []string{
		"0.0.0.0:9090", ":9090", "[::]:9090", "192.0.2.1:9090", "example.com:9090",
		"127.0.0.1", "localhost:http", "127.0.0.1:99999", "[fe80::1%lo]:9090", "[::1%lo]:9090",
	} {
		t.Run(addr, func(t *testing.T) {
			cli(t, db, "serve", "-addr", "127.0.0.1:0", "-metrics-addr", addr).fails(t, 2, "-metrics-addr")
		})
	}
	t.Run("the API's port", func(t *testing.T) {
		cli(t, db, "serve", "-addr", "127.0.0.1:8080", "-metrics-addr", "localhost:8080").fails(t, 2, "-metrics-addr")
	})

	t.Run("binary", func(t *testing.T) {
		bin := builtBinary(t)
		for _, addr := range []string{"0.0.0.0:9090", ":9090"} {
			cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-db", db, "-metrics-addr", addr)
			cmd.Env = cleanEnv()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			code := -1
			if cmd.ProcessState != nil {
				code = cmd.ProcessState.ExitCode()
			}
			if code != exitUsage || len(out) != 0 {
				t.Fatalf("-metrics-addr %s: exit %d (%v), stdout %q; want exit 2 and nothing", addr, code, err, out)
			}
			if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "loopback") || strings.Contains(msg, "panic") {
				t.Fatalf("-metrics-addr %s: stderr %q, want one line about loopback addresses", addr, msg)
			}
		}
	})
}

func TestCheckMetricsAddr(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:9090", "127.0.0.1:0", "127.1.2.3:9090", "[::1]:9090", "localhost:9090", "LOCALHOST:9090", "[::1]:0"} {
		if err := checkMetricsAddr(addr, "127.0.0.1:8080"); err != nil {
			t.Errorf("checkMetricsAddr(%q): %v, want nil", addr, err)
		}
	}
	// Port 0 twice is two free ports.
	if err := checkMetricsAddr("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Errorf("both on port 0: %v", err)
	}
	for _, addr := range []string{"", "9090", "0.0.0.0:9090", ":9090", "[::]:9090", "10.0.0.1:9090", "host:9090",
		"localhost", "localhost:", "localhost:-1", "127.0.0.1:65536", "[::ffff:0.0.0.0]:9090", "127.0.0.1:8080", "[::1]:8080"} {
		if err := checkMetricsAddr(addr, "0.0.0.0:8080"); err == nil {
			t.Errorf("checkMetricsAddr(%q) accepted it", addr)
		}
	}
}

// waitForMetrics polls url until it answers the metrics, for 30 seconds
// at most, and returns them.
func waitForMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				_, m := scrapeMetrics(t, url)
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200 within 30s (last: %v)", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scrapeMetrics reads url's metrics in the Prometheus text format.
func scrapeMetrics(t *testing.T, url string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %q, want 200 text/plain", url, res.StatusCode, res.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	m, err := p.TextToMetricFamilies(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("the metrics do not parse: %v\n%s", err, b)
	}
	return string(b), m
}

// sample returns the sum of family's counters or gauges whose label is
// value, over their other labels (keyauth_auth_requests_total has a path
// beside its outcome).
func sample(t *testing.T, m map[string]*dto.MetricFamily, family, label, value string) float64 {
	t.Helper()
	f, ok := m[family]
	if !ok {
		t.Fatalf("no metric %s", family)
	}
	var found []float64
	for _, s := range f.GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				switch {
				case s.Counter != nil:
					found = append(found, s.GetCounter().GetValue())
				case s.Gauge != nil:
					found = append(found, s.GetGauge().GetValue())
				}
			}
		}
	}
	if len(found) == 0 {
		t.Fatalf("no sample of %s{%s=%q}", family, label, value)
	}
	sum := 0.0
	for _, v := range found {
		sum += v
	}
	return sum
}

// flipped returns another base62 digit than c.
func flipped(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}
