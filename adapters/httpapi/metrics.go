package httpapi

import (
	"bytes"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
)

// metrics holds the API's Prometheus registry: request counts and latencies by route template,
// the Go runtime and process, the database pool when the Pinger exposes its statistics, and the
// policy in force when the Authorizer is a Fingerprinter.
// Each API has its own registry, so several can live in one process (tests, embedding).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(db Pinger, authz any) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "epiccrm_http_requests_total",
			Help: "HTTP requests served by the API, by method, route template and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "epiccrm_http_request_duration_seconds",
			Help:    "Time to serve an API request, by method and route template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if c := poolCollector(db); c != nil {
		m.reg.MustRegister(c)
	}
	if fp, ok := authz.(Fingerprinter); ok {
		m.reg.MustRegister(policyInfo{fp})
		if c, ok := authz.(prometheus.Collector); ok {
			m.reg.MustRegister(c)
		}
	}
	return m
}

var descPolicyInfo = prometheus.NewDesc("epiccrm_policy_info",
	"The permission policy in force: always 1, with the fingerprint of its effective rules as a label.",
	[]string{"fingerprint"}, nil)

// policyInfo exports the fingerprint of the policy in force, read at each scrape, so that a
// reloaded policy shows at once.
type policyInfo struct{ fp Fingerprinter }

func (p policyInfo) Describe(ch chan<- *prometheus.Desc) { ch <- descPolicyInfo }

func (p policyInfo) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descPolicyInfo, prometheus.GaugeValue, 1, p.fp.Fingerprint())
}

// observe counts one served request. The labels must outlive the request, so method (which
// Fiber hands out as a view of a reused buffer) is replaced by a constant.
func (m *metrics) observe(method, route string, status int, elapsed time.Duration) {
	method = methodLabel(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
}

// methodLabel returns the constant name of a known method, or "other", which also keeps the
// number of label values bounded.
func methodLabel(m string) string {
	for _, k := range []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut,
		fiber.MethodPatch, fiber.MethodDelete, fiber.MethodOptions} {
		if m == k {
			return k
		}
	}
	return "other"
}

// serve writes the registry in the Prometheus text exposition format.
func (m *metrics) serve(c *fiber.Ctx) error {
	families, err := m.reg.Gather()
	if err != nil {
		return err
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, string(format))
	return c.Send(buf.Bytes())
}
