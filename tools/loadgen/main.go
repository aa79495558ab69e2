// Command loadgen is a small, bounded HTTP load generator for a running EpicCRM server. It logs
// in through the API, then for each scenario sends requests from several workers for a fixed
// time and prints throughput and latency percentiles. The first scenario, /healthz, touches
// neither authentication nor the database: it is the baseline the others compare against in the
// same run, since this machine's speed varies from run to run.
//
//	loadgen -url http://127.0.0.1:8000 -user ada -password Velvet-Harbor-91 -duration 5s -workers 8
//
// With -storm N it instead fires N logins at once, -rounds times, spread over the -storm-users
// (the demo accounts by default), and prints how many got each status and their latencies:
//
//	loadgen -url http://127.0.0.1:8000 -storm 64 -rounds 5
//
// It only targets loopback addresses, and every run is bounded in time and in requests.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/epicevents/epiccrm/tools/loadgen/load"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8000", "the server's base URL (loopback only)")
	user := flag.String("user", "ada", "a management user to log in as")
	password := flag.String("password", "Velvet-Harbor-91", "that user's password")
	duration := flag.Duration("duration", 5*time.Second, "how long each scenario runs (at most 1m)")
	workers := flag.Int("workers", 8, "concurrent workers per scenario (at most 64)")
	maxRequests := flag.Int64("max-requests", 200_000, "stop a scenario after this many requests")
	storm := flag.Int("storm", 0, "fire this many logins at once instead of the scenarios (at most 256)")
	rounds := flag.Int("rounds", 5, "how many storms of logins to fire, one after the other (at most 100)")
	path := flag.String("path", "", "run only GET of this path (such as /api/v1/clients/1) instead of the scenarios")
	noAuth := flag.Bool("no-auth", false, "with -path: send no token (and do not log in), for a baseline server")
	stormUsers := flag.String("storm-users", "ada,sam,sue,pat,pia", "comma-separated users the storm logs in as, with -password")
	flag.Parse()
	if *storm > 0 {
		if err := runStorm(*base, strings.Split(*stormUsers, ","), *password, *storm, *rounds); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		return
	}
	if *path != "" {
		if err := runPath(*base, *path, *user, *password, !*noAuth, *duration, *workers, *maxRequests); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*base, *user, *password, *duration, *workers, *maxRequests); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(base, user, password string, duration time.Duration, workers int, maxRequests int64) error {
	if err := load.CheckLoopback(base); err != nil {
		return err
	}
	if duration <= 0 || duration > time.Minute || workers < 1 || workers > 64 || maxRequests < 1 {
		return fmt.Errorf("duration must be in (0, 1m], workers in [1, 64], max-requests positive")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	token, err := load.Login(client, base, user, password)
	if err != nil {
		return err
	}
	authed := func(method, path string, body []byte) func(int64) (*http.Request, error) {
		return func(int64) (*http.Request, error) {
			req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, nil
		}
	}
	scenarios := []load.Scenario{
		{Name: "GET /healthz (baseline)", Request: func(int64) (*http.Request, error) { return http.NewRequest("GET", base+"/healthz", nil) }},
		{Name: "GET /api/v1/me", Request: authed("GET", "/api/v1/me", nil)},
		{Name: "GET /api/v1/clients?limit=50", Request: authed("GET", "/api/v1/clients?limit=50", nil)},
		{Name: "GET /api/v1/contracts?unpaid=true", Request: authed("GET", "/api/v1/contracts?unpaid=true", nil)},
		{Name: "GET /api/v1/events?q=party", Request: authed("GET", "/api/v1/events?q=party", nil)},
		{Name: "PATCH /api/v1/clients/1", Request: authed("PATCH", "/api/v1/clients/1", []byte(`{"phone":"+33 1 40 00 00 00"}`))},
	}
	fmt.Printf("%-36s %9s %8s %9s %9s %9s %7s\n", "scenario", "req/s", "requests", "p50", "p95", "p99", "errors")
	for _, sc := range scenarios {
		r := load.Run(client, sc, duration, workers, maxRequests)
		fmt.Printf("%-36s %9.0f %8d %9s %9s %9s %7d\n", sc.Name, r.PerSecond(), r.Requests,
			pct(r.Latencies, 50), pct(r.Latencies, 95), pct(r.Latencies, 99), r.Errors)
	}
	return nil
}

// runPath sends GET path (with a token of user when auth) for duration and prints one line:
// req/s, requests, p50, p99 (in microseconds) and errors, for scripts to read.
func runPath(base, path, user, password string, auth bool, duration time.Duration, workers int, maxRequests int64) error {
	if err := load.CheckLoopback(base); err != nil {
		return err
	}
	if duration <= 0 || duration > time.Minute || workers < 1 || workers > 64 || maxRequests < 1 || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("duration must be in (0, 1m], workers in [1, 64], max-requests positive, path start with /")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	header := ""
	if auth {
		token, err := load.Login(client, base, user, password)
		if err != nil {
			return err
		}
		header = "Bearer " + token
	}
	r := load.Run(client, load.Scenario{Name: path, Request: func(int64) (*http.Request, error) {
		req, err := http.NewRequest("GET", base+path, nil)
		if err == nil && header != "" {
			req.Header.Set("Authorization", header)
		}
		return req, err
	}}, duration, workers, maxRequests)
	fmt.Printf("reqs_per_s=%.0f requests=%d p50_us=%d p99_us=%d errors=%d\n", r.PerSecond(),
		r.Requests, r.Pct(50).Microseconds(), r.Pct(99).Microseconds(), r.Errors)
	return nil
}

// pct returns the p-th percentile of sorted latencies.
func pct(sorted []time.Duration, p int) string {
	if len(sorted) == 0 {
		return "-"
	}
	return sorted[(len(sorted)-1)*p/100].Round(10 * time.Microsecond).String()
}

// runStorm fires n logins at once, rounds times, and prints the statuses and latencies.
func runStorm(base string, users []string, password string, n, rounds int) error {
	if err := load.CheckLoopback(base); err != nil {
		return err
	}
	if n < 1 || n > 256 || rounds < 1 || rounds > 100 || len(users) == 0 || users[0] == "" {
		return fmt.Errorf("storm must be in [1, 256], rounds in [1, 100], and storm-users not empty")
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
	statuses := map[string]int{}
	var latencies []time.Duration
	var mu sync.Mutex
	start := time.Now()
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, _ := json.Marshal(map[string]string{"username": users[i%len(users)], "password": password})
				t0 := time.Now()
				status := "error"
				resp, err := client.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = strconv.Itoa(resp.StatusCode)
				}
				mu.Lock()
				statuses[status]++
				latencies = append(latencies, time.Since(t0))
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("login storm: %d rounds of %d logins at once over %d users in %s\n", rounds, n, len(users), time.Since(start).Round(time.Millisecond))
	for _, k := range keys {
		fmt.Printf("  status %s: %d\n", k, statuses[k])
	}
	fmt.Printf("  latency p50 %s, p95 %s, p99 %s, max %s\n", pct(latencies, 50), pct(latencies, 95), pct(latencies, 99), pct(latencies, 100))
	return nil
}
