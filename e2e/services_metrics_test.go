package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/pki"
)

// programmedMetric is the data plane's own measure of pod Ready →
// programmed on a node: from the pod's Ready condition turning True to
// the end of the sync that first sent traffic to it there.
const programmedMetric = "shoal_service_endpoint_programmed_seconds"

// histogram is a Prometheus histogram's cumulative bucket counts by
// upper bound.
type histogram map[float64]uint64

// scrapeHistogram reads histogram name from agent a's /metrics; nil when
// the agent does not expose it.
func scrapeHistogram(c *testcluster.Cluster, a *testcluster.Agent, name string) (histogram, error) {
	body, err := scrapeMetrics(c, a)
	if err != nil {
		return nil, err
	}
	var h histogram
	sc := bufio.NewScanner(strings.NewReader(body))
	prefix := name + `_bucket{le="`
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok {
			continue
		}
		le, count, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		bound, err1 := strconv.ParseFloat(le, 64)
		n, err2 := strconv.ParseUint(strings.TrimSpace(count), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("metrics of %s: bad bucket line %q", a.Name, sc.Text())
		}
		if h == nil {
			h = histogram{}
		}
		h[bound] = n
	}
	return h, sc.Err()
}

// scrapeMetrics reads agent a's /metrics.
func scrapeMetrics(c *testcluster.Cluster, a *testcluster.Agent) (string, error) {
	tok, err := pki.ParseToken(c.AdminToken())
	if err != nil {
		return "", err
	}
	cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: pki.PinnedClientConfig(tok.CAHash)}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://"+a.APIAddr()+"/metrics", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok.String())
	res, err := cl.Do(req)
	if err != nil {
		return "", fmt.Errorf("metrics of %s: %w", a.Name, err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", fmt.Errorf("metrics of %s: %w", a.Name, err)
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("metrics of %s: %s", a.Name, res.Status)
	}
	return string(b), nil
}

// minus is the histogram of the observations made since before.
func (h histogram) minus(before histogram) histogram {
	out := histogram{}
	for le, n := range h {
		out[le] = n - before[le]
	}
	return out
}

// quantile is the upper bound of the bucket holding quantile q, and the
// number of observations.
func (h histogram) quantile(q float64) (time.Duration, uint64) {
	bounds := make([]float64, 0, len(h))
	for le := range h {
		bounds = append(bounds, le)
	}
	slices.Sort(bounds)
	if len(bounds) == 0 || h[bounds[len(bounds)-1]] == 0 {
		return 0, 0
	}
	total := h[bounds[len(bounds)-1]]
	rank := uint64(math.Ceil(q * float64(total)))
	for _, le := range bounds {
		if h[le] >= rank {
			if math.IsInf(le, 1) {
				return -1, total
			}
			return time.Duration(le * float64(time.Second)), total
		}
	}
	return -1, total
}

// programmedSnapshot reads programmedMetric from every agent.
func programmedSnapshot(c *testcluster.Cluster) map[string]histogram {
	out := map[string]histogram{}
	for _, a := range c.Agents {
		if h, err := scrapeHistogram(c, a, programmedMetric); err == nil && h != nil {
			out[a.Name] = h
		}
	}
	return out
}

// programmedSince formats, per node, the metric's p50 and p99 (bucket
// upper bounds) over the observations since before.
func programmedSince(c *testcluster.Cluster, before map[string]histogram) string {
	after := programmedSnapshot(c)
	if len(after) == 0 {
		return programmedMetric + " is not exposed"
	}
	var parts []string
	for _, a := range c.Agents {
		h, ok := after[a.Name]
		if !ok {
			continue
		}
		d := h.minus(before[a.Name])
		p50, n := d.quantile(0.5)
		p99, _ := d.quantile(0.99)
		parts = append(parts, fmt.Sprintf("%s p50 ≤ %s p99 ≤ %s (%d)", a.Name, bound(p50), bound(p99), n))
	}
	return programmedMetric + ": " + strings.Join(parts, "; ")
}

func bound(d time.Duration) string {
	if d < 0 {
		return "+Inf"
	}
	return d.Round(100 * time.Microsecond).String()
}
