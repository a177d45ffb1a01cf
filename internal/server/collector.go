package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/reboundhq/rebound/internal/store"
)

// storeCollector exports connection pool and job queue gauges at scrape time.
type storeCollector struct{ st store.Store }

var (
	descPoolOpen  = prometheus.NewDesc("rebound_db_pool_open_connections", "Open connections by pool.", []string{"pool"}, nil)
	descPoolInUse = prometheus.NewDesc("rebound_db_pool_in_use_connections", "Connections in use by pool.", []string{"pool"}, nil)
	descPoolIdle  = prometheus.NewDesc("rebound_db_pool_idle_connections", "Idle connections by pool.", []string{"pool"}, nil)
	descPoolMax   = prometheus.NewDesc("rebound_db_pool_max_connections", "Maximum connections by pool.", []string{"pool"}, nil)
	descPoolWaits = prometheus.NewDesc("rebound_db_pool_waits_total", "Times a caller waited for a connection.", []string{"pool"}, nil)
	descPoolWait  = prometheus.NewDesc("rebound_db_pool_wait_seconds_total", "Time spent waiting for a connection.", []string{"pool"}, nil)
	descJobs      = prometheus.NewDesc("rebound_jobs", "Background jobs by state.", []string{"state"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPoolOpen, descPoolInUse, descPoolIdle, descPoolMax, descPoolWaits, descPoolWait, descJobs} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if p, ok := c.st.(store.Pooler); ok {
		for name, st := range p.Pools() {
			ch <- prometheus.MustNewConstMetric(descPoolOpen, prometheus.GaugeValue, float64(st.Open), name)
			ch <- prometheus.MustNewConstMetric(descPoolInUse, prometheus.GaugeValue, float64(st.InUse), name)
			ch <- prometheus.MustNewConstMetric(descPoolIdle, prometheus.GaugeValue, float64(st.Idle), name)
			ch <- prometheus.MustNewConstMetric(descPoolMax, prometheus.GaugeValue, float64(st.MaxOpen), name)
			ch <- prometheus.MustNewConstMetric(descPoolWaits, prometheus.CounterValue, float64(st.WaitCount), name)
			ch <- prometheus.MustNewConstMetric(descPoolWait, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.st.JobCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descJobs, err)
		return
	}
	for _, state := range []string{"available", "scheduled", "running", "retryable", "completed", "cancelled", "discarded", "pending"} {
		ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(counts[state]), state)
	}
}
