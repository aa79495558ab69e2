// Command benchsuite is the benchmark users can run: on one store, it loads (or reuses) a large
// generated data set and a small one (epiccrm demo --clients N --events M), serves each with
// the bare baseline (tools/bare) and with epiccrm serve, and measures, in one sitting, req/s,
// p50, p99 and the server's resident memory for: GET one client, list 50 clients per role,
// search for a rare and a common word, the next page, PATCH with If-Match, create, and 64
// logins at once. It writes the table, with the machine, its load and the command, into
// docs/performance.md between markers of its own, so that a rerun replaces it.
//
//	go run ./tools/benchsuite -store postgres -bin DIR   (make bench-pg)
//	go run ./tools/benchsuite -store sqlite -bin DIR     (make bench-sqlite)
//
// -bin holds the epiccrm and bare binaries to run (the Makefile builds them). The data sets
// are kept for the next runs: PostgreSQL databases epiccrm_bench_<size> on the server of
// EPICCRM_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), SQLite
// files <dir>/sqlite-<size>.db, dir being $BENCH_DIR or /work/benchdata. A data set is loaded
// when missing; one holding fewer clients than asked is refused (drop it and rerun). The
// create scenario adds clients to the kept data sets, a few thousand per run.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/epicevents/epiccrm/tools/loadgen/load"
)

// The demo data set's password and words (see cmd/epiccrm demo_bulk.go).
const (
	password   = "Velvet-Harbor-91"
	rareWord   = "zephyrine"
	commonWord = "brasserie"
)

// options are the command's flags.
type options struct {
	store                     string
	clients, events           int64
	smallClients, smallEvents int64
	dir, bin, doc, adminURL   string
	duration                  time.Duration
	workers, logins, rounds   int
	command                   string
}

func main() {
	var o options
	flag.StringVar(&o.store, "store", "postgres", "the store to measure: postgres or sqlite")
	flag.Int64Var(&o.clients, "clients", 1_000_000, "clients of the large data set")
	flag.Int64Var(&o.events, "events", 5_000_000, "events of the large data set")
	flag.Int64Var(&o.smallClients, "small-clients", 10_000, "clients of the small data set, for the lists' flatness")
	flag.Int64Var(&o.smallEvents, "small-events", 50_000, "events of the small data set")
	flag.StringVar(&o.dir, "dir", envOr("BENCH_DIR", "/work/benchdata"), "where the SQLite data sets, logs and keys are kept")
	flag.StringVar(&o.bin, "bin", "", "the directory holding the epiccrm and bare binaries")
	flag.StringVar(&o.doc, "doc", "docs/performance.md", "the document the table is written into (empty: print only)")
	flag.StringVar(&o.adminURL, "pg-url", envOr("EPICCRM_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
		"a PostgreSQL URL whose server holds the data sets")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long each scenario runs")
	flag.IntVar(&o.workers, "workers", 16, "concurrent connections of each scenario")
	flag.IntVar(&o.logins, "logins", 64, "concurrent logins of the login scenario")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of the scenarios with a target on one request's figures (GET one client, "+
		"alternating with the baseline, and the searches); the table shows the median round")
	flag.Parse()
	o.command = "go run ./tools/benchsuite " + strings.Join(os.Args[1:], " ")
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "benchsuite:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// row is one line of the table.
type row struct {
	scenario, dataset string
	res               load.Result
	rssMB             float64
	bare              *load.Result // the baseline's figures for the same request, if any
	// rounds are every round's figures when the scenario ran several (res is the median one),
	// and bareRounds the baseline's, round for round, when they alternated.
	rounds, bareRounds []load.Result
}

// medianRound returns the index of the median of the rounds by key (the lower median of an
// even number).
func medianRound(n int, key func(i int) float64) int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return key(idx[a]) < key(idx[b]) })
	return idx[(n-1)/2]
}

func run(ctx context.Context, o options) error {
	if o.store != "postgres" && o.store != "sqlite" {
		return fmt.Errorf("-store must be postgres or sqlite, not %q", o.store)
	}
	if o.bin == "" {
		return errors.New("-bin is required: the directory of the epiccrm and bare binaries")
	}
	if o.duration <= 0 || o.duration > time.Minute || o.workers < 1 || o.workers > 64 || o.logins < 1 || o.logins > 256 || o.rounds < 1 || o.rounds > 9 {
		return errors.New("-duration must be in (0, 1m], -workers in [1, 64], -logins in [1, 256], -rounds in [1, 9]")
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	started := time.Now().UTC()
	loadStart := loadAvg()
	var rows []row
	var loadTimes []string
	for _, ds := range []struct {
		clients, events int64
		full            bool
	}{{o.smallClients, o.smallEvents, false}, {o.clients, o.events, true}} {
		dbURL, took, err := ensureDataset(ctx, o, ds.clients, ds.events)
		if err != nil {
			return err
		}
		if took != "" {
			loadTimes = append(loadTimes, took)
		}
		got, err := measure(ctx, o, dbURL, size(ds.clients), ds.clients, ds.full)
		if err != nil {
			return err
		}
		rows = append(rows, got...)
	}
	md := render(o, rows, started, loadStart, loadAvg(), loadTimes)
	fmt.Println(md)
	if o.doc == "" {
		return nil
	}
	return writeBetweenMarkers(o.doc, "benchsuite:"+o.store, md)
}

// size names a data set by its number of clients: 10k, 1M, 250000.
func size(n int64) string {
	switch {
	case n%1_000_000 == 0:
		return strconv.FormatInt(n/1_000_000, 10) + "m"
	case n%1_000 == 0:
		return strconv.FormatInt(n/1_000, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}

// ensureDataset returns the URL of the data set of clients clients, loading it when missing,
// and, when it loaded it, how long that took.
func ensureDataset(ctx context.Context, o options, clients, events int64) (string, string, error) {
	var dbURL string
	var count func() (int64, error)
	if o.store == "sqlite" {
		path := filepath.Join(o.dir, "sqlite-"+size(clients)+".db")
		dbURL = "sqlite:" + path
		count = func() (int64, error) {
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				return 0, nil
			}
			db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
			if err != nil {
				return 0, err
			}
			defer db.Close()
			return countClients(db.QueryRowContext(ctx, "SELECT count(*) FROM clients"))
		}
	} else {
		name := "epiccrm_bench_" + size(clients)
		u, err := url.Parse(o.adminURL)
		if err != nil {
			return "", "", err
		}
		u.Path = "/" + name
		dbURL = u.String()
		count = func() (int64, error) {
			admin, err := pgx.Connect(ctx, o.adminURL)
			if err != nil {
				return 0, err
			}
			defer admin.Close(ctx)
			var exists bool
			if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
				return 0, err
			}
			if !exists {
				_, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
				return 0, err
			}
			c, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				return 0, err
			}
			defer c.Close(ctx)
			return countClients(c.QueryRow(ctx, "SELECT count(*) FROM clients"))
		}
	}
	n, err := count()
	if err != nil {
		return "", "", fmt.Errorf("reading the data set %s: %w", dbURL, err)
	}
	if n >= clients {
		fmt.Fprintf(os.Stderr, "reusing the data set %s (%d clients)\n", dbURL, n)
		if o.store == "postgres" {
			if err := vacuum(ctx, dbURL); err != nil {
				return "", "", err
			}
		}
		return dbURL, "", nil
	}
	if n > 0 {
		return "", "", fmt.Errorf("the data set %s holds %d clients, not %d: drop it (or delete the file) and run again", dbURL, n, clients)
	}
	fmt.Fprintf(os.Stderr, "loading %d clients and %d events into %s\n", clients, events, dbURL)
	start := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(o.bin, "epiccrm"), "demo", "--clients", strconv.FormatInt(clients, 10),
		"--events", strconv.FormatInt(events, 10), "--database-url", dbURL)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("loading the data set %s: %w", dbURL, err)
	}
	took := time.Since(start).Round(time.Second)
	return dbURL, fmt.Sprintf("%s clients / %s events loaded in %s", size(clients), size(events), took), nil
}

// vacuum vacuums a reused PostgreSQL data set, as autovacuum would have done since the last
// sitting (it may be off on a benchmark machine): the PATCH and create scenarios of earlier
// sittings leave pages whose visibility-map bit is cleared, and an index-only scan then reads
// the table for them. No ANALYZE: the statistics, and so the plans, stay those of the load.
func vacuum(ctx context.Context, dbURL string) error {
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	start := time.Now()
	if _, err := c.Exec(ctx, "VACUUM clients, contracts, events"); err != nil {
		return fmt.Errorf("vacuuming the data set %s: %w", dbURL, err)
	}
	fmt.Fprintf(os.Stderr, "vacuumed the data set in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// countClients scans a count, a missing table counting as none.
func countClients(r interface{ Scan(...any) error }) (int64, error) {
	var n int64
	err := r.Scan(&n)
	if err != nil && strings.Contains(err.Error(), "clients") {
		return 0, nil // no such table yet: not migrated
	}
	return n, err
}

// server is a running program whose memory is watched.
type server struct {
	cmd  *exec.Cmd
	base string
}

// start runs bin with args on a free loopback port (the {addr} of args) and waits until it
// answers /healthz.
func start(ctx context.Context, o options, name, bin string, args ...string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	logf, err := os.Create(filepath.Join(o.dir, name+".log"))
	if err != nil {
		return nil, err
	}
	args = append([]string(nil), args...)
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "{addr}", addr)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(o.bin, bin), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	for range 600 {
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s did not answer on %s within 60 s: see %s", bin, addr, logf.Name())
}

// stop ends the server (SIGINT, then kill after 10 s).
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// rss returns the server's resident memory in MB (VmRSS of /proc/<pid>/status).
func (s *server) rss() float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// runWatched runs sc against s and returns its result and the largest resident memory of s
// seen while it ran, sampled every 50 ms.
func runWatched(s *server, client *http.Client, sc load.Scenario, d time.Duration, workers int) (load.Result, float64) {
	var peak float64
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			r := s.rss()
			mu.Lock()
			peak = max(peak, r)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	res := load.Run(client, sc, d, workers, 10_000_000)
	close(stop)
	wg.Wait()
	return res, peak
}

// measure serves the data set dbURL with the baseline and with EpicCRM and runs the scenarios:
// all of them when full, else the GET and the lists only.
func measure(ctx context.Context, o options, dbURL, label string, clients int64, full bool) ([]row, error) {
	client := load.NewClient(max(o.workers, o.logins))
	var rows []row
	// once runs a short warm-up, unmeasured, then the measure.
	once := func(s *server, name string, sc load.Scenario, workers int) (load.Result, float64) {
		load.Run(client, sc, min(time.Second, o.duration), workers, 10_000_000)
		res, peak := runWatched(s, client, sc, o.duration, workers)
		fmt.Fprintf(os.Stderr, "%-44s %-4s %8.0f req/s  p50 %8s  p99 %8s  errors %d  RSS %.0f MB\n", name, label,
			res.PerSecond(), res.Pct(50).Round(10*time.Microsecond), res.Pct(99).Round(10*time.Microsecond), res.Errors, peak)
		return res, peak
	}
	add := func(s *server, name string, sc load.Scenario, workers int, bare *load.Result) load.Result {
		res, peak := once(s, name, sc, workers)
		rows = append(rows, row{scenario: name, dataset: label, res: res, rssMB: peak, bare: bare})
		return res
	}
	// addRounds runs sc o.rounds times and adds the round with the median p99.
	addRounds := func(s *server, name string, sc load.Scenario) {
		r := row{scenario: name, dataset: label}
		for range o.rounds {
			res, peak := once(s, name, sc, o.workers)
			r.rounds, r.rssMB = append(r.rounds, res), max(r.rssMB, peak)
		}
		r.res = r.rounds[medianRound(len(r.rounds), func(i int) float64 { return float64(r.rounds[i].Pct(99)) })]
		rows = append(rows, r)
	}
	get := func(base, path string, token string) func(int64) (*http.Request, error) {
		return func(i int64) (*http.Request, error) {
			req, err := http.NewRequest("GET", base+strings.ReplaceAll(path, "{id}", strconv.FormatInt(1+int64(spread(i)%uint64(clients)), 10)), nil)
			if err == nil && token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return req, err
		}
	}

	// The baseline.
	bare, err := start(ctx, o, "bare-"+o.store+"-"+label, "bare", "-addr", "{addr}", "-database-url", dbURL)
	if err != nil {
		return nil, err
	}
	defer bare.stop()
	bareList := add(bare, "list 50 clients (bare baseline)", load.Scenario{Request: get(bare.base, "/api/v1/clients?limit=50", "")}, o.workers, nil)

	key := filepath.Join(o.dir, "bench-key.pem")
	crm, err := start(ctx, o, "epiccrm-"+o.store+"-"+label, "epiccrm", "serve", "--addr", "{addr}", "--database-url", dbURL,
		"--key-file", key, "--log-file", filepath.Join(o.dir, "epiccrm-"+o.store+"-"+label+".requests.log"))
	if err != nil {
		return nil, err
	}
	defer crm.stop()
	if err := awaitUpkeep(ctx, crm.base); err != nil {
		return nil, err
	}
	tokens := map[string]string{}
	for _, u := range []string{"ada", "sam", "sue", "pat", "pia"} {
		if tokens[u], err = load.Login(client, crm.base, u, password); err != nil {
			return nil, err
		}
	}
	// GET one client, judged by its ratio to the baseline: the two alternate, round for round,
	// and the table shows the round of the median ratio, with the baseline's figures of that
	// round in a row of their own, first.
	bareGet, crmGet := row{scenario: "GET one client (bare baseline)", dataset: label}, row{scenario: "GET one client", dataset: label}
	for range o.rounds {
		b, bPeak := once(bare, bareGet.scenario, load.Scenario{Request: get(bare.base, "/api/v1/clients/{id}", "")}, o.workers)
		c, cPeak := once(crm, crmGet.scenario, load.Scenario{Request: get(crm.base, "/api/v1/clients/{id}", tokens["ada"])}, o.workers)
		bareGet.rounds, bareGet.rssMB = append(bareGet.rounds, b), max(bareGet.rssMB, bPeak)
		crmGet.rounds, crmGet.rssMB = append(crmGet.rounds, c), max(crmGet.rssMB, cPeak)
	}
	crmGet.bareRounds = bareGet.rounds
	m := medianRound(o.rounds, func(i int) float64 { return crmGet.rounds[i].PerSecond() / bareGet.rounds[i].PerSecond() })
	bareGet.res, crmGet.res, crmGet.bare = bareGet.rounds[m], crmGet.rounds[m], &bareGet.rounds[m]
	bareGet.rounds = nil // shown with crmGet's
	rows = append([]row{bareGet}, append(rows, crmGet)...)
	for _, u := range []struct{ name, role string }{{"ada", "management"}, {"sam", "sales"}, {"pat", "support"}} {
		add(crm, "list 50 clients as "+u.role, load.Scenario{Request: get(crm.base, "/api/v1/clients?limit=50", tokens[u.name])}, o.workers, &bareList)
	}
	// pia supports a tenth of the events: her scope reaches through half a million of them.
	add(crm, "list 50 clients as support with many events (pia)", load.Scenario{Request: get(crm.base, "/api/v1/clients?limit=50", tokens["pia"])}, o.workers, &bareList)
	if !full {
		return rows, nil
	}
	addRounds(crm, "search, rare word (q="+rareWord+")", load.Scenario{Request: get(crm.base, "/api/v1/clients?limit=50&q="+rareWord, tokens["ada"])})
	addRounds(crm, "search, common word (q="+commonWord+")", load.Scenario{Request: get(crm.base, "/api/v1/clients?limit=50&q="+commonWord, tokens["ada"])})
	// The searches of the other roles: the data set gives every client with the common word to
	// sue, none to sam, and half of the events to pia (see cmd/epiccrm demo_bulk.go).
	for _, u := range []struct{ name, word, what string }{
		{"sam", rareWord, "rare word as sales"},
		{"sam", commonWord, "common word as sales, owning none of its clients"},
		{"sue", commonWord, "common word as sales, owning all of its clients"},
		{"pia", commonWord, "common word as support"},
	} {
		addRounds(crm, "search, "+u.what+" ("+u.name+")", load.Scenario{Request: get(crm.base, "/api/v1/clients?limit=50&q="+u.word, tokens[u.name])})
	}
	// An event's name holds its client's company, so the same words reach the events (5 per
	// client on average) and, through the client filters, the contracts.
	for _, u := range []struct{ name, what, path string }{
		{"sam", "search events, common word as sales, owning none of them", "/api/v1/events?limit=50&q="},
		{"pia", "search events, common word as support", "/api/v1/events?limit=50&q="},
		{"pat", "search events, common word as support, assigned none of them", "/api/v1/events?limit=50&q="},
		{"sue", "search contracts by client, common word as sales, owning all of them", "/api/v1/contracts?limit=50&q="},
		{"pia", "search contracts by client, common word as support", "/api/v1/contracts?limit=50&q="},
	} {
		addRounds(crm, u.what+" ("+u.name+")", load.Scenario{Request: get(crm.base, u.path+commonWord, tokens[u.name])})
	}
	cursor, err := nextCursor(client, crm.base+"/api/v1/clients?limit=50", tokens["ada"])
	if err != nil {
		return nil, err
	}
	add(crm, "next page (cursor)", load.Scenario{Request: get(crm.base, "/api/v1/clients?limit=50&cursor="+url.QueryEscape(cursor), tokens["ada"])}, o.workers, nil)

	// PATCH with If-Match: sam's clients (every tenth, from the tenth), each read first, unmeasured.
	patch := func(i int64) (*http.Request, error) {
		id := 10 * (1 + int64(spread(i)%uint64(clients/10)))
		target := fmt.Sprintf("%s/api/v1/clients/%d", crm.base, id)
		req, _ := http.NewRequest("GET", target, nil)
		req.Header.Set("Authorization", "Bearer "+tokens["sam"])
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		body := fmt.Sprintf(`{"phone":"+33 1 %02d %02d %02d %02d"}`, i%100, i/100%100, i/10_000%100, time.Now().Nanosecond()%100)
		req, err = http.NewRequest("PATCH", target, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tokens["sam"])
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", resp.Header.Get("ETag"))
		return req, nil
	}
	add(crm, "PATCH client with If-Match (sales)", load.Scenario{Request: patch}, o.workers, nil)
	run := time.Now().UnixNano()
	create := func(i int64) (*http.Request, error) {
		body := fmt.Sprintf(`{"first_name":"Bench","last_name":"Client %d","email":"bench-%d-%d@bench.example","company":"Bench SA"}`, i, run, i)
		req, err := http.NewRequest("POST", crm.base+"/api/v1/clients", strings.NewReader(body))
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+tokens["sam"])
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	add(crm, "create client (sales)", load.Scenario{Request: create}, o.workers, nil)
	users := []string{"ada", "sam", "sue", "pat", "pia"}
	for k := 3; k <= 10; k++ {
		users = append(users, fmt.Sprintf("sales%02d", k), fmt.Sprintf("support%02d", k))
	}
	login := func(i int64) (*http.Request, error) {
		body, _ := json.Marshal(map[string]string{"username": users[i%int64(len(users))], "password": password})
		req, err := http.NewRequest("POST", crm.base+"/api/v1/auth/login", strings.NewReader(string(body)))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	add(crm, fmt.Sprintf("login, %d at once", o.logins), load.Scenario{Request: login}, o.logins, nil)
	return rows, nil
}

// spread returns a well-spread pseudo-random number for i (splitmix64), so that the requests
// touch records all over the table.
func spread(i int64) uint64 {
	z := uint64(i) * 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// nextCursor returns the next_cursor of the page at pageURL.
func nextCursor(client *http.Client, pageURL, token string) (string, error) {
	req, _ := http.NewRequest("GET", pageURL, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var page struct {
		NextCursor *string `json:"next_cursor"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || page.NextCursor == nil {
		return "", fmt.Errorf("reading the next page's cursor of %s: %v (status %s)", pageURL, err, resp.Status)
	}
	return *page.NextCursor, nil
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// machine describes the machine: CPUs and their model, memory.
func machine() string {
	model, mem := "?", "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			mem = fmt.Sprintf("%.0f GB", kb/1024/1024)
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s RAM, %s", runtime.NumCPU(), model, mem, runtime.Version())
}

// dbVersion returns the database's version string.
func dbVersion(ctx context.Context, o options) string {
	if o.store == "sqlite" {
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			return "SQLite ?"
		}
		defer db.Close()
		var v string
		_ = db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v)
		return "SQLite " + v + " (modernc.org/sqlite)"
	}
	c, err := pgx.Connect(ctx, o.adminURL)
	if err != nil {
		return "PostgreSQL ?"
	}
	defer c.Close(ctx)
	var v string
	_ = c.QueryRow(ctx, "SHOW server_version").Scan(&v)
	return "PostgreSQL " + v
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// render writes the table and the verdicts in markdown.
func render(o options, rows []row, started time.Time, loadStart, loadEnd string, loadTimes []string) string {
	var b strings.Builder
	name := map[string]string{"postgres": "PostgreSQL", "sqlite": "SQLite"}[o.store]
	fmt.Fprintf(&b, "### %s, %s clients / %s events\n\n", name, size(o.clients), size(o.events))
	fmt.Fprintf(&b, "Run on %s UTC: `%s`. Machine: %s; %s. Load average %s at the start, %s at the end.",
		started.Format("2006-01-02 15:04"), o.command, machine(), dbVersion(context.Background(), o), loadStart, loadEnd)
	fmt.Fprintf(&b, " %d connections per scenario (logins: %d), %s each after a warm-up.", o.workers, o.logins, o.duration)
	if o.rounds > 1 {
		fmt.Fprintf(&b, " GET one client and the searches ran %d rounds (GET one client alternating with the baseline);"+
			" their rows show the median round (by the ratio to the baseline, by p99), every round is listed below the targets.", o.rounds)
	}
	b.WriteString("\n")
	for _, l := range loadTimes {
		fmt.Fprintf(&b, "Data set %s.\n", l)
	}
	b.WriteString("\n| scenario | data set | req/s | p50 ms | p99 ms | errors | RSS MB | vs bare (req/s) |\n")
	b.WriteString("|----------|---------:|------:|-------:|-------:|-------:|-------:|----------------:|\n")
	for _, r := range rows {
		ratio := ""
		if r.bare != nil && r.bare.PerSecond() > 0 {
			ratio = fmt.Sprintf("%.2fx", r.res.PerSecond()/r.bare.PerSecond())
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %d | %.0f | %s |\n", r.scenario, r.dataset, r.res.PerSecond(),
			ms(r.res.Pct(50)), ms(r.res.Pct(99)), r.res.Errors, r.rssMB, ratio)
	}
	b.WriteString("\nTargets:\n\n")
	for _, v := range verdicts(o, rows) {
		fmt.Fprintf(&b, "- %s\n", v)
	}
	first := true
	for _, r := range rows {
		if len(r.rounds) < 2 {
			continue
		}
		if first {
			b.WriteString("\nRounds (req/s, p99 ms):\n\n")
			first = false
		}
		var each []string
		for i, res := range r.rounds {
			e := fmt.Sprintf("%.0f, %s", res.PerSecond(), ms(res.Pct(99)))
			if i < len(r.bareRounds) && r.bareRounds[i].PerSecond() > 0 {
				e += fmt.Sprintf(" (bare %.0f, %s: %.2fx)", r.bareRounds[i].PerSecond(), ms(r.bareRounds[i].Pct(99)),
					res.PerSecond()/r.bareRounds[i].PerSecond())
			}
			each = append(each, e)
		}
		fmt.Fprintf(&b, "- %s, %s: %s\n", r.scenario, r.dataset, strings.Join(each, "; "))
	}
	return b.String()
}

// verdicts checks the figures against the targets of the benchmark.
func verdicts(o options, rows []row) []string {
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	var out []string
	big, small := size(o.clients), size(o.smallClients)
	find := func(scenario, ds string) *row {
		for i := range rows {
			if rows[i].scenario == scenario && rows[i].dataset == ds {
				return &rows[i]
			}
		}
		return nil
	}
	for _, r := range rows {
		if strings.HasPrefix(r.scenario, "search") { // the searches of clients, events and contracts
			out = append(out, fmt.Sprintf("%s p99 %s ms < 50 ms: %s", r.scenario, ms(r.res.Pct(99)), mark(r.res.Pct(99) < 50*time.Millisecond)))
		}
	}
	if g := find("GET one client", big); g != nil && g.bare != nil {
		ratio := g.res.PerSecond() / g.bare.PerSecond()
		out = append(out, fmt.Sprintf("GET one client at %.2fx the bare baseline >= 0.7x: %s", ratio, mark(ratio >= 0.7)))
	}
	for _, role := range []string{"management", "sales", "support", "support with many events (pia)"} {
		s, l := find("list 50 clients as "+role, small), find("list 50 clients as "+role, big)
		if s == nil || l == nil || s.res.Pct(99) == 0 {
			continue
		}
		growth := float64(l.res.Pct(99)) / float64(s.res.Pct(99))
		out = append(out, fmt.Sprintf("list 50 clients as %s, p99 %s ms at %s vs %s ms at %s (%.2fx) < 2x: %s", role,
			ms(l.res.Pct(99)), big, ms(s.res.Pct(99)), small, growth, mark(growth < 2)))
	}
	var listRSS, loginRSS float64
	for _, r := range rows {
		if strings.HasPrefix(r.scenario, "list 50 clients as") {
			listRSS = max(listRSS, r.rssMB)
		}
		if strings.HasPrefix(r.scenario, "login") {
			loginRSS = r.rssMB
		}
	}
	out = append(out, fmt.Sprintf("RSS under list load %.0f MB < 100 MB: %s", listRSS, mark(listRSS > 0 && listRSS < 100)))
	out = append(out, fmt.Sprintf("RSS under %d concurrent logins %.0f MB < 100 MB: %s", o.logins, loginRSS, mark(loginRSS > 0 && loginRSS < 100)))
	return out
}

// writeBetweenMarkers replaces the text between <!-- NAME:begin --> and <!-- NAME:end --> in
// file with text, or appends the markers and text at the end when they are missing.
func writeBetweenMarkers(file, name, text string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s := string(b)
	begin, end := "<!-- "+name+":begin -->", "<!-- "+name+":end -->"
	block := begin + "\n" + text + "\n" + end
	i, j := strings.Index(s, begin), strings.Index(s, end)
	switch {
	case i >= 0 && j > i:
		s = s[:i] + block + s[j+len(end):]
	case i < 0 && j < 0:
		s = strings.TrimRight(s, "\n") + "\n\n" + block + "\n"
	default:
		return fmt.Errorf("%s: the markers %s and %s are not in order: fix them by hand", file, begin, end)
	}
	return os.WriteFile(file, []byte(s), 0o644)
}

// awaitUpkeep waits until the server at base has looked at its search indexes and merges none
// (the SQLite store merges an index left in many segments by earlier writes, see
// sqlite.Store.Upkeep, and its searches read more meanwhile), so that the scenarios measure the
// indexes as they stay between merges. After a merge it waits a minute more: reads stay slower
// for up to a minute after one (measured: pia's list 93 req/s just after, 258 a minute later),
// while the pages it rewrote go back to the database file. A server without the upkeep's
// metrics (PostgreSQL) is not waited for.
func awaitUpkeep(ctx context.Context, base string) error {
	start := time.Now()
	for {
		looks, merges, merging, ok, err := upkeepMetrics(ctx, base)
		if err != nil || !ok {
			return err
		}
		if looks >= 1 && merging == 0 {
			if merges > 0 {
				fmt.Fprintf(os.Stderr, "the search index upkeep merged %v index(es) (%s): waiting a minute more\n",
					merges, time.Since(start).Round(time.Second))
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Minute):
				}
			}
			return nil
		}
		if time.Since(start) > 10*time.Minute {
			return errors.New("the server's search index upkeep has not finished after 10 minutes")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// upkeepMetrics reads epiccrm_search_index_looks_total, _merges_total and _merging from the
// server's /metrics; ok is false when it has none.
func upkeepMetrics(ctx context.Context, base string) (looks, merges, merging float64, ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return 0, 0, 0, false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, 0, false, fmt.Errorf("reading the server's metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, 0, false, fmt.Errorf("reading the server's metrics: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		name, value, found := strings.Cut(sc.Text(), " ")
		if !found {
			continue
		}
		switch name {
		case "epiccrm_search_index_looks_total":
			looks, ok = parseFloat(value), true
		case "epiccrm_search_index_merges_total":
			merges = parseFloat(value)
		case "epiccrm_search_index_merging":
			merging = parseFloat(value)
		}
	}
	return looks, merges, merging, ok, sc.Err()
}

// parseFloat reads a metric's value, NaN when it is not a number.
func parseFloat(v string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}
