package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the server's Prometheus metrics. They are registered on the registry
// main owns, never at import time, so that tests and several servers in one process
// do not collide.
type Metrics struct {
	sheetsRead    *prometheus.CounterVec
	readSeconds   prometheus.Histogram
	ingestBatches *prometheus.CounterVec
	ingestSheets  *prometheus.CounterVec
	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	dbErrors      *prometheus.CounterVec
	rankingCache  *prometheus.CounterVec
}

// NewMetrics creates and registers the metrics. queue reports the number of review
// fields awaiting a decision; it is asked at every scrape.
func NewMetrics(reg prometheus.Registerer, queue func(context.Context) (int, error)) (*Metrics, error) {
	m := &Metrics{
		sheetsRead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarazy_sheets_read_total",
			Help: "Sheet pages ingested for the first time, by the reader's status (ok, review, rejected).",
		}, []string{"status"}),
		readSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tarazy_sheet_read_seconds",
			Help:    "Time the worker's reader took per page, as reported with each ingested page.",
			Buckets: []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5},
		}),
		ingestBatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarazy_ingest_batches_total",
			Help: "Ingest requests, by result (ok, or the error code).",
		}, []string{"result"}),
		ingestSheets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarazy_ingest_sheets_total",
			Help: "Pages in ingest requests, by outcome (stored, duplicate, conflict, rejected, existing).",
		}, []string{"outcome"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarazy_http_requests_total",
			Help: "HTTP requests, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tarazy_http_request_duration_seconds",
			Help:    "HTTP request durations, by route pattern and method.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarazy_db_errors_total",
			Help: "Requests that failed in the database, by kind (unavailable, internal).",
		}, []string{"kind"}),
		rankingCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tarazy_ranking_cache_requests_total",
			Help: "Per-school ranking requests, by whether the encoded ranking was cached (hit, miss).",
		}, []string{"result"}),
	}
	queueGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tarazy_review_queue_fields",
		Help: "Fields of scanned sheets awaiting a reviewer's or the chair's decision (-1 when the database did not answer).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := queue(ctx)
		if err != nil {
			m.dbErrors.WithLabelValues("unavailable").Inc()
			return -1
		}
		return float64(n)
	})
	for _, c := range []prometheus.Collector{m.sheetsRead, m.readSeconds, m.ingestBatches, m.ingestSheets, m.httpRequests, m.httpDuration, m.dbErrors, m.rankingCache, queueGauge} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, st := range []string{"ok", "review", "rejected"} {
		m.sheetsRead.WithLabelValues(st)
	}
	for _, k := range []string{"unavailable", "internal"} {
		m.dbErrors.WithLabelValues(k)
	}
	return m, nil
}
