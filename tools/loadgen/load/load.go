// Package load is the HTTP load engine of the benchmark tools (loadgen, benchsuite): it sends a
// scenario's requests from several workers for a bounded time and measures their latencies, and
// logs in through the API. It only targets loopback addresses.
package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Scenario is one kind of request to repeat.
type Scenario struct {
	Name string
	// Request builds the i-th request (from 1). It runs before the request is timed, so it may
	// do preparatory work of its own, such as reading the record's ETag.
	Request func(i int64) (*http.Request, error)
}

// Result is what one scenario measured: the requests sent, those that failed (a transport
// error or a status of 400 or more), each request's latency, and the wall time.
type Result struct {
	Requests, Errors int64
	Latencies        []time.Duration // sorted
	Elapsed          time.Duration
}

// PerSecond returns the requests per second.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Pct returns the p-th percentile latency (0 when nothing was measured).
func (r Result) Pct(p int) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[(len(r.Latencies)-1)*p/100]
}

// CheckLoopback refuses a base URL that is not on a loopback address.
func CheckLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing to load %s: only loopback addresses are allowed", u.Host)
	}
	return nil
}

// NewClient returns an HTTP client that keeps a connection per worker.
func NewClient(workers int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
}

// Login returns an access token for user.
func Login(client *http.Client, base, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := client.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("logging in as %s: %w", user, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("logging in as %s: %s: %s", user, resp.Status, b)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	return pair.AccessToken, json.NewDecoder(resp.Body).Decode(&pair)
}

// Run sends sc's requests from workers goroutines until duration has passed or maxRequests
// were issued.
func Run(client *http.Client, sc Scenario, duration time.Duration, workers int, maxRequests int64) Result {
	var (
		mu        sync.Mutex
		res       Result
		issued    atomic.Int64
		wg        sync.WaitGroup
		deadline  = time.Now().Add(duration)
		startedAt = time.Now()
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			var errs int64
			for time.Now().Before(deadline) {
				i := issued.Add(1)
				if i > maxRequests {
					break
				}
				req, err := sc.Request(i)
				if err != nil {
					errs++
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode >= 400 {
						errs++
					}
				} else {
					errs++
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			res.Latencies = append(res.Latencies, local...)
			res.Errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(startedAt)
	res.Requests = int64(len(res.Latencies))
	sort.Slice(res.Latencies, func(i, j int) bool { return res.Latencies[i] < res.Latencies[j] })
	return res
}
