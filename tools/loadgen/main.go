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
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// scenario is one kind of request to repeat.
type scenario struct {
	name string
	// request builds the i-th request.
	request func(i int64) (*http.Request, error)
}

// result is what one scenario measured.
type result struct {
	requests, errors int64
	latencies        []time.Duration
	elapsed          time.Duration
}

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

// checkLoopback refuses a base URL that is not on a loopback address.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing to load %s: only loopback addresses are allowed", u.Host)
	}
	return nil
}

func run(base, user, password string, duration time.Duration, workers int, maxRequests int64) error {
	if err := checkLoopback(base); err != nil {
		return err
	}
	if duration <= 0 || duration > time.Minute || workers < 1 || workers > 64 || maxRequests < 1 {
		return fmt.Errorf("duration must be in (0, 1m], workers in [1, 64], max-requests positive")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	token, err := login(client, base, user, password)
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
	scenarios := []scenario{
		{"GET /healthz (baseline)", func(int64) (*http.Request, error) { return http.NewRequest("GET", base+"/healthz", nil) }},
		{"GET /api/v1/me", authed("GET", "/api/v1/me", nil)},
		{"GET /api/v1/clients?limit=50", authed("GET", "/api/v1/clients?limit=50", nil)},
		{"GET /api/v1/contracts?unpaid=true", authed("GET", "/api/v1/contracts?unpaid=true", nil)},
		{"GET /api/v1/events?q=party", authed("GET", "/api/v1/events?q=party", nil)},
		{"PATCH /api/v1/clients/1", authed("PATCH", "/api/v1/clients/1", []byte(`{"phone":"+33 1 40 00 00 00"}`))},
	}
	fmt.Printf("%-36s %9s %8s %9s %9s %9s %7s\n", "scenario", "req/s", "requests", "p50", "p95", "p99", "errors")
	for _, sc := range scenarios {
		r := runScenario(client, sc, duration, workers, maxRequests)
		sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
		fmt.Printf("%-36s %9.0f %8d %9s %9s %9s %7d\n", sc.name, float64(r.requests)/r.elapsed.Seconds(), r.requests,
			pct(r.latencies, 50), pct(r.latencies, 95), pct(r.latencies, 99), r.errors)
	}
	return nil
}

// runPath sends GET path (with a token of user when auth) for duration and prints one line:
// req/s, requests, p50, p99 (in microseconds) and errors, for scripts to read.
func runPath(base, path, user, password string, auth bool, duration time.Duration, workers int, maxRequests int64) error {
	if err := checkLoopback(base); err != nil {
		return err
	}
	if duration <= 0 || duration > time.Minute || workers < 1 || workers > 64 || maxRequests < 1 || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("duration must be in (0, 1m], workers in [1, 64], max-requests positive, path start with /")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	header := ""
	if auth {
		token, err := login(client, base, user, password)
		if err != nil {
			return err
		}
		header = "Bearer " + token
	}
	r := runScenario(client, scenario{path, func(int64) (*http.Request, error) {
		req, err := http.NewRequest("GET", base+path, nil)
		if err == nil && header != "" {
			req.Header.Set("Authorization", header)
		}
		return req, err
	}}, duration, workers, maxRequests)
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	us := func(p int) int64 {
		if len(r.latencies) == 0 {
			return 0
		}
		return r.latencies[(len(r.latencies)-1)*p/100].Microseconds()
	}
	fmt.Printf("reqs_per_s=%.0f requests=%d p50_us=%d p99_us=%d errors=%d\n", float64(r.requests)/r.elapsed.Seconds(),
		r.requests, us(50), us(99), r.errors)
	return nil
}

// login returns an access token for user.
func login(client *http.Client, base, user, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := client.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("logging in: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("logging in: %s: %s", resp.Status, b)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	return pair.AccessToken, json.NewDecoder(resp.Body).Decode(&pair)
}

// runScenario sends sc's requests from workers goroutines until duration or maxRequests is reached.
func runScenario(client *http.Client, sc scenario, duration time.Duration, workers int, maxRequests int64) result {
	var (
		mu        sync.Mutex
		res       result
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
				req, err := sc.request(i)
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
			res.latencies = append(res.latencies, local...)
			res.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(startedAt)
	res.requests = int64(len(res.latencies))
	return res
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
	if err := checkLoopback(base); err != nil {
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
