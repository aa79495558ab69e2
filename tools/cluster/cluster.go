// Command cluster proves that EpicCRM runs as several processes behind a load balancer on one
// PostgreSQL primary, on this machine (`make cluster`): it starts a throwaway PostgreSQL cluster
// (initdb and pg_ctl on a free port), three `epiccrm serve` processes (signing keys in the
// database, a policy file each) and HAProxy in front of them, with /readyz as the health check.
// Under a bounded load through HAProxy (reads and idempotent writes, logins and refreshes, an
// admin UI session) it kills one process with SIGKILL and restarts it, restarts all three one
// after the other, rotates the signing key, changes the policy file of all three and restarts
// PostgreSQL. Then it reports the requests sent, the failures by status and phase, the
// acknowledged writes missing or duplicated (both must be 0), the tokens and sessions that
// survived, and the time each disruption took to recover from.
//
// Every write carries an Idempotency-Key and is retried with the same key on a network error,
// 502, 503 or 409 (its first attempt still running), so a write committed while its answer was
// lost is never made twice. See docs/operations.md.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
)

// Profile sizes a run.
type Profile struct {
	// Workers is the number of API clients sending requests at once.
	Workers int
	// Settle is how long the load runs between two disruptions.
	Settle time.Duration
	// RetryFor bounds how long one request is retried. A write in flight on a process killed
	// with SIGKILL holds its Idempotency-Key for the key's lease (60 s): its retries get 409
	// until then, so RetryFor must be longer.
	RetryFor time.Duration
}

// Short is the profile of the test (about a minute on a loaded 2-core machine); Long is `make
// cluster`'s.
var (
	Short = Profile{Workers: 3, Settle: 3 * time.Second, RetryFor: 75 * time.Second}
	Long  = Profile{Workers: 6, Settle: 10 * time.Second, RetryFor: 75 * time.Second}
)

// cluster is the running processes of one run.
type cluster struct {
	dir      string // everything of the run lives here
	bin      string // the epiccrm binary
	pgBin    string
	pgPort   int
	dbURL    string
	kek      string
	ports    [3]int
	procs    [3]*exec.Cmd
	haproxy  *exec.Cmd
	lbPort   int
	policies [3]string
	asUser   *syscall.Credential // PostgreSQL's tools refuse to run as root
	log      io.Writer
}

const (
	adminUser     = "loadadmin"
	probeUser     = "loadprobe"
	adminPassword = "Cluster-Proof-Passphrase-42"
	maxWorkers    = 8
)

// workerAccounts returns the usernames of the workers' accounts.
func workerAccounts() []string {
	out := make([]string, maxWorkers)
	for i := range out {
		out[i] = fmt.Sprintf("loadworker%d", i+1)
	}
	return out
}

// Report is the outcome of a run.
type Report struct {
	Sent           int64
	ByPhase        []PhaseReport
	Acknowledged   int
	Missing        int
	Duplicated     int
	TokensChecked  int
	TokensSurvived int
	AdminChecked   int
	AdminSurvived  int
	FinalFailures  int64 // requests still failing after their retries
}

// PhaseReport is the load during one disruption.
type PhaseReport struct {
	Name      string
	Sent      int64
	Statuses  map[string]int64 // non-2xx answers and network errors, as first seen (before retries)
	Failed    int64            // requests that failed for good
	Recovered time.Duration    // from the disruption's start to every process ready and a write through HAProxy
}

// Run starts the cluster in a fresh directory under dir, runs the load and the disruptions, and
// stops everything. It returns the report, or an error when the cluster could not be set up.
func Run(ctx context.Context, repo, dir string, p Profile, log io.Writer) (*Report, error) {
	if p.Workers < 1 || p.Workers > maxWorkers {
		return nil, fmt.Errorf("a profile has 1 to %d workers, not %d", maxWorkers, p.Workers)
	}
	c := &cluster{dir: dir, log: log}
	defer c.stopAll()
	if err := c.setUp(ctx, repo); err != nil {
		return nil, err
	}
	return c.exercise(ctx, p)
}

// logf writes a progress line.
func (c *cluster) logf(format string, args ...any) {
	fmt.Fprintf(c.log, "%s  %s\n", time.Now().UTC().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// setUp builds epiccrm, starts PostgreSQL, creates the admin account, starts the three
// processes and HAProxy, and waits until HAProxy serves.
func (c *cluster) setUp(ctx context.Context, repo string) error {
	c.bin = filepath.Join(c.dir, "epiccrm")
	c.logf("building epiccrm")
	build := exec.CommandContext(ctx, "go", "build", "-o", c.bin, "./cmd/epiccrm")
	build.Dir, build.Stdout, build.Stderr = repo, c.log, c.log
	if err := build.Run(); err != nil {
		return fmt.Errorf("building epiccrm: %w", err)
	}
	if err := c.startPostgres(ctx); err != nil {
		return err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	c.kek = base64.StdEncoding.EncodeToString(key)
	// One account per worker, one for the survivors and probes, one for the admin UI: a login
	// cut short by a killed or restarted process leaves its throttling reservation behind, which
	// counts as a failure after a minute (docs/decisions.md), so no account takes them all.
	for _, name := range append(workerAccounts(), adminUser, probeUser) {
		create := c.epiccrm(ctx, "createsuperuser", "--database-url", c.dbURL, "--username", name,
			"--email", name+"@cluster.example", "--password-stdin")
		create.Stdin = strings.NewReader(adminPassword + "\n")
		if out, err := create.CombinedOutput(); err != nil {
			return fmt.Errorf("creating the account %s: %w\n%s", name, err, out)
		}
	}
	pol, err := os.ReadFile(filepath.Join(repo, "policy", "policy.csv"))
	if err != nil {
		return err
	}
	for i := range c.ports {
		if c.ports[i], err = freePort(); err != nil {
			return err
		}
		// Each policy in a directory of its own: the live reload waits for the file's directory
		// to be quiet, and the run directory holds the busy logs.
		pdir := filepath.Join(c.dir, fmt.Sprintf("policy-%d", i+1))
		if err := os.Mkdir(pdir, 0o755); err != nil {
			return err
		}
		c.policies[i] = filepath.Join(pdir, "policy.csv")
		if err := os.WriteFile(c.policies[i], pol, 0o644); err != nil {
			return err
		}
	}
	for i := range c.ports {
		if err := c.startServe(ctx, i); err != nil {
			return err
		}
	}
	for i := range c.ports {
		if err := c.waitReady(ctx, i, 60*time.Second); err != nil {
			return err
		}
	}
	return c.startHAProxy(ctx)
}

// epiccrm returns a command running the built binary with the KEK in its environment.
func (c *cluster) epiccrm(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(os.Environ(), "EPICCRM_KEY_ENCRYPTION_KEY="+c.kek)
	return cmd
}

// startPostgres creates and starts a throwaway PostgreSQL cluster on a free port.
func (c *cluster) startPostgres(ctx context.Context) error {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		return errors.New("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: install the postgresql package")
	}
	sort.Strings(bins)
	c.pgBin = filepath.Dir(bins[len(bins)-1])
	pgdir := filepath.Join(c.dir, "pg")
	if err := os.MkdirAll(pgdir, 0o700); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root, PostgreSQL needs the postgres system user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.asUser = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(pgdir, uid, gid); err != nil {
			return err
		}
	}
	var err error
	if c.pgPort, err = freePort(); err != nil {
		return err
	}
	c.logf("initdb and pg_ctl start on port %d", c.pgPort)
	if err := c.pg(ctx, "initdb", "-D", filepath.Join(pgdir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		return err
	}
	c.dbURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres", c.pgPort)
	return c.pgCtl(ctx, "start")
}

// pgCtl runs pg_ctl start, stop or restart on the cluster and waits for it.
func (c *cluster) pgCtl(ctx context.Context, action string) error {
	pgdir := filepath.Join(c.dir, "pg")
	return c.pg(ctx, "pg_ctl", action, "-w", "-t", "60", "-m", "fast", "-D", filepath.Join(pgdir, "data"),
		"-l", filepath.Join(pgdir, "postgres.log"),
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200", c.pgPort, pgdir))
}

// pg runs one of PostgreSQL's programs as the postgres user when this runs as root.
func (c *cluster) pg(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.pgBin, name), args...)
	if c.asUser != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.asUser}
	}
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// startServe starts process i.
func (c *cluster) startServe(ctx context.Context, i int) error {
	cmd := c.epiccrm(ctx, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", c.ports[i]), "--database-url", c.dbURL,
		"--policy", c.policies[i], "--shutdown-delay", "1500ms", "--shutdown-timeout", "10s",
		"--trusted-proxies", "127.0.0.1", "--log-file", filepath.Join(c.dir, fmt.Sprintf("serve-%d.log", i+1)))
	out, err := os.OpenFile(filepath.Join(c.dir, fmt.Sprintf("serve-%d.out", i+1)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Kill() }
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting epiccrm serve %d: %w", i+1, err)
	}
	c.procs[i] = cmd
	go func() { _ = cmd.Wait(); out.Close() }()
	return nil
}

// waitReady waits until process i answers /readyz with 200.
func (c *cluster) waitReady(ctx context.Context, i int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if status, _ := c.readyz(ctx, i); status == http.StatusOK {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("epiccrm serve %d is not ready after %s: see %s", i+1, limit, c.dir)
}

// readyz returns the status and policy fingerprint process i reports on /readyz.
func (c *cluster) readyz(ctx context.Context, i int) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/readyz", c.ports[i]), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	var body struct {
		Policy string `json:"policy"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Policy
}

// stopServe stops process i: SIGTERM (drain) or SIGKILL, and waits for it to exit.
func (c *cluster) stopServe(i int, sig syscall.Signal) {
	cmd := c.procs[i]
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	for j := 0; j < 300; j++ {
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
}

// haproxyConfig is HAProxy's configuration: /readyz checked every 500 ms, a server down after
// one failed check and up after two good ones, and connection failures retried on another
// server. A server marked down keeps its sessions (no on-marked-down shutdown-sessions): it is
// down because it drains (its /readyz turns 503 at SIGTERM), and the requests it is running
// must finish; a killed server's connections are dead anyway.
const haproxyConfig = `global
    maxconn 512
defaults
    mode http
    timeout connect 1s
    timeout client 35s
    timeout server 35s
    option forwardfor
    option redispatch
    retries 2
    retry-on conn-failure empty-response response-timeout
frontend crm
    bind 127.0.0.1:%d
    default_backend epiccrm
backend epiccrm
    balance roundrobin
    http-request disable-l7-retry if METH_POST !{ req.hdr(idempotency-key) -m found }
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 1 rise 2
%s`

// startHAProxy starts HAProxy in front of the three processes and waits until it serves.
func (c *cluster) startHAProxy(ctx context.Context) error {
	var err error
	if c.lbPort, err = freePort(); err != nil {
		return err
	}
	var servers strings.Builder
	for i, p := range c.ports {
		fmt.Fprintf(&servers, "    server crm%d 127.0.0.1:%d check\n", i+1, p)
	}
	cfg := filepath.Join(c.dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(haproxyConfig, c.lbPort, servers.String())), 0o644); err != nil {
		return err
	}
	path, err := exec.LookPath("haproxy")
	if err != nil {
		path, err = exec.LookPath("/usr/sbin/haproxy") // sbin may be off a user's PATH
	}
	if err != nil {
		return errors.New("haproxy is not installed: apt-get install haproxy")
	}
	c.haproxy = exec.CommandContext(ctx, path, "-db", "-f", cfg)
	logf, err := os.Create(filepath.Join(c.dir, "haproxy.log"))
	if err != nil {
		return err
	}
	c.haproxy.Stdout, c.haproxy.Stderr = logf, logf
	if err := c.haproxy.Start(); err != nil {
		return fmt.Errorf("starting haproxy: %w", err)
	}
	go func() { _ = c.haproxy.Wait(); logf.Close() }()
	c.logf("haproxy on port %d in front of %v", c.lbPort, c.ports)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(c.lb("/readyz")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("haproxy does not serve /readyz after 30 s: see " + cfg)
}

// lb returns the URL of path through HAProxy.
func (c *cluster) lb(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", c.lbPort, path) }

// stopAll stops HAProxy, the processes and PostgreSQL.
func (c *cluster) stopAll() {
	if c.haproxy != nil && c.haproxy.Process != nil {
		_ = c.haproxy.Process.Kill()
	}
	for i := range c.procs {
		c.stopServe(i, syscall.SIGKILL)
	}
	if c.pgBin != "" {
		_ = c.pgCtl(context.Background(), "stop")
	}
}

// freePort returns a TCP port free on 127.0.0.1 right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// newKey returns a fresh Idempotency-Key.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tokenPair is the answer of a login or a refresh.
type tokenPair struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

// login logs in through url and returns the tokens.
func login(ctx context.Context, hc *http.Client, base, username string) (tokenPair, error) {
	var p tokenPair
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username, adminPassword)
	status, b, err := send(ctx, hc, http.MethodPost, base+"/api/v1/auth/login", "", "", body)
	if err != nil {
		return p, err
	}
	if status != http.StatusOK {
		return p, fmt.Errorf("login: %d %s", status, b)
	}
	return p, json.Unmarshal(b, &p)
}

// send sends one request and returns the status and body.
func send(ctx context.Context, hc *http.Client, method, u, token, key, body string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// adminSession logs in to the admin UI through base and returns a client holding the session
// cookie.
func adminSession(ctx context.Context, base string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status, page, err := send(ctx, hc, http.MethodGet, base+"/admin/login", "", "", "")
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("admin login page: %d %v", status, err)
	}
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		return nil, errors.New("admin login page: no CSRF token")
	}
	form := url.Values{"username": {adminUser}, "password": {adminPassword}, "_csrf": {string(m[1])}, "next": {"/admin/"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("admin login: %d", resp.StatusCode)
	}
	return hc, nil
}

// adminWorks reports whether the admin session of hc opens the dashboard on base.
func adminWorks(ctx context.Context, hc *http.Client, base string) bool {
	status, _, err := send(ctx, hc, http.MethodGet, base+"/admin/", "", "", "")
	return err == nil && status == http.StatusOK
}

// load is the state shared by the workers.
type load struct {
	c     *cluster
	p     Profile
	sent  atomic.Int64
	mu    sync.Mutex
	phase *PhaseReport
	acked map[string]bool // emails of the clients whose creation was answered 201
	tried map[string]bool // emails of every client a worker tried to create
	fails atomic.Int64
}

// note records the first answer of a request in the current phase.
func (l *load) note(status int, err error) {
	l.sent.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.phase.Sent++
	switch {
	case err != nil:
		l.phase.Statuses["network error"]++
	case status >= 300:
		l.phase.Statuses[strconv.Itoa(status)]++
	}
}

// failed records a request that failed for good.
func (l *load) failed() {
	l.fails.Add(1)
	l.mu.Lock()
	l.phase.Failed++
	l.mu.Unlock()
}

// retriable reports whether an answer may be retried with the same request: a network error,
// a proxy or server that is down (502, 503, 504) or a first attempt still running (409 on a
// write with a key).
func retriable(status int, err error, write bool) bool {
	return err != nil || status == 502 || status == 503 || status == 504 || (write && status == 409)
}

// do sends a request through HAProxy and retries it, the same request with the same key,
// while retriable, for at most the profile's RetryFor.
func (l *load) do(ctx context.Context, hc *http.Client, method, path, token, key, body string) (int, []byte, error) {
	deadline := time.Now().Add(l.p.RetryFor)
	wait := 100 * time.Millisecond
	for {
		status, b, err := send(ctx, hc, method, l.c.lb(path), token, key, body)
		if ctx.Err() != nil {
			return status, b, err // the end of the run, not an answer
		}
		l.note(status, err)
		if !retriable(status, err, key != "") || time.Now().After(deadline) || ctx.Err() != nil {
			return status, b, err
		}
		time.Sleep(wait)
		wait = min(wait*2, time.Second)
	}
}

// worker sends reads, writes and refreshes until ctx ends.
func (l *load) worker(ctx context.Context, id int) {
	hc := &http.Client{Timeout: 40 * time.Second}
	var pair tokenPair
	for n := 0; ctx.Err() == nil; n++ {
		if pair.Access == "" || n%100 == 99 {
			status, b, err := l.do(ctx, hc, http.MethodPost, "/api/v1/auth/login", "", "",
				fmt.Sprintf(`{"username":%q,"password":%q}`, workerAccounts()[id], adminPassword))
			if err != nil || status != http.StatusOK || json.Unmarshal(b, &pair) != nil {
				l.failedUnlessStopping(ctx)
				continue
			}
		}
		switch {
		case n%10 == 9: // refresh
			// Sent once: a refresh token works once, so a retry of a refresh whose answer was
			// lost would be refused (and revoke the family). The client logs in again instead.
			status, b, err := send(ctx, hc, http.MethodPost, l.c.lb("/api/v1/auth/refresh"), "", "",
				fmt.Sprintf(`{"refresh_token":%q}`, pair.Refresh))
			if ctx.Err() != nil {
				return
			}
			l.note(status, err)
			if err != nil || status != http.StatusOK || json.Unmarshal(b, &pair) != nil {
				pair = tokenPair{}
				if !retriable(status, err, false) {
					l.failedUnlessStopping(ctx)
				}
			}
		case n%3 == 0: // write
			email := fmt.Sprintf("w%d-%d-%s@cluster.example", id, n, newKey()[:8])
			l.mu.Lock()
			l.tried[email] = true
			l.mu.Unlock()
			status, _, err := l.do(ctx, hc, http.MethodPost, "/api/v1/clients", pair.Access, newKey(),
				fmt.Sprintf(`{"first_name":"Load","last_name":"Worker %d","email":%q}`, id, email))
			if err == nil && status == http.StatusCreated {
				l.mu.Lock()
				l.acked[email] = true
				l.mu.Unlock()
			} else {
				l.failedUnlessStopping(ctx)
			}
		default: // read
			status, _, err := l.do(ctx, hc, http.MethodGet, "/api/v1/clients?limit=20", pair.Access, "", "")
			if err != nil || status != http.StatusOK {
				l.failedUnlessStopping(ctx)
			}
		}
	}
}

// failedUnlessStopping counts a failure, except for a request cut short by the end of the run.
func (l *load) failedUnlessStopping(ctx context.Context) {
	if ctx.Err() == nil {
		l.failed()
	}
}

// survivors are credentials taken before the disruptions, checked after each of them.
type survivors struct {
	tokens []tokenPair
	admin  *http.Client
}

// check counts the access tokens that every process accepts and whether the admin session
// opens the dashboard on every process.
func (c *cluster) check(ctx context.Context, s *survivors, r *Report) {
	hc := &http.Client{Timeout: 20 * time.Second}
	for _, t := range s.tokens {
		for i := range c.ports {
			r.TokensChecked++
			status, _, err := send(ctx, hc, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/api/v1/me", c.ports[i]), t.Access, "", "")
			if err == nil && status == http.StatusOK {
				r.TokensSurvived++
			}
		}
	}
	for i := range c.ports {
		r.AdminChecked++
		if adminWorks(ctx, s.admin, fmt.Sprintf("http://127.0.0.1:%d", c.ports[i])) {
			r.AdminSurvived++
		}
	}
}

// exercise runs the load through the disruptions and verifies the writes.
func (c *cluster) exercise(ctx context.Context, p Profile) (*Report, error) {
	r := &Report{}
	hc := &http.Client{Timeout: 20 * time.Second}
	var s survivors
	for range 2 {
		t, err := login(ctx, hc, c.lb(""), probeUser)
		if err != nil {
			return nil, err
		}
		s.tokens = append(s.tokens, t)
	}
	admin, err := adminSession(ctx, c.lb(""))
	if err != nil {
		return nil, err
	}
	s.admin = admin

	l := &load{c: c, p: p, acked: map[string]bool{}, tried: map[string]bool{}}
	l.phase = &PhaseReport{Name: "steady load", Statuses: map[string]int64{}}
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range p.Workers {
		wg.Add(1)
		go func() { defer wg.Done(); l.worker(loadCtx, w) }()
	}
	defer func() { stopLoad(); wg.Wait() }()

	phases := []struct {
		name string
		run  func() error
	}{
		{"SIGKILL one process, restart it", func() error {
			c.stopServe(1, syscall.SIGKILL)
			return c.startServe(ctx, 1)
		}},
		{"rolling restart of all three", func() error {
			for i := range c.ports {
				c.stopServe(i, syscall.SIGTERM)
				if err := c.startServe(ctx, i); err != nil {
					return err
				}
				if err := c.waitReady(ctx, i, 60*time.Second); err != nil {
					return err
				}
				time.Sleep(1500 * time.Millisecond) // HAProxy's two good checks
			}
			return nil
		}},
		{"rotate the signing key", func() error {
			cmd := c.epiccrm(ctx, "keys", "rotate", "--database-url", c.dbURL)
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("keys rotate: %w\n%s", err, out)
			}
			return nil
		}},
		{"change the policy on all three", func() error { return c.changePolicy(ctx) }},
		{"restart PostgreSQL", func() error { return c.pgCtl(ctx, "restart") }},
	}
	time.Sleep(p.Settle)
	c.check(ctx, &s, r)
	r.ByPhase = append(r.ByPhase, *l.swap(""))
	for _, ph := range phases {
		c.logf("phase: %s", ph.name)
		l.swap(ph.name)
		start := time.Now()
		if err := ph.run(); err != nil {
			return nil, fmt.Errorf("%s: %w", ph.name, err)
		}
		if err := c.recovered(ctx, l, hc); err != nil {
			return nil, fmt.Errorf("%s: %w", ph.name, err)
		}
		rec := time.Since(start)
		time.Sleep(p.Settle)
		c.check(ctx, &s, r)
		done := l.swap("")
		done.Recovered = rec
		r.ByPhase = append(r.ByPhase, *done)
		c.logf("recovered in %s", rec.Round(time.Millisecond))
	}
	// The refresh tokens taken before everything still work once.
	for _, t := range s.tokens {
		r.TokensChecked++
		status, _, err := send(ctx, hc, http.MethodPost, c.lb("/api/v1/auth/refresh"), "", "",
			fmt.Sprintf(`{"refresh_token":%q}`, t.Refresh))
		if err == nil && status == http.StatusOK {
			r.TokensSurvived++
		}
	}
	stopLoad()
	wg.Wait()
	r.ByPhase = append(r.ByPhase, *l.swap(""))
	r.Sent, r.FinalFailures = l.sent.Load(), l.fails.Load()
	return r, c.verify(ctx, l, r)
}

// swap ends the current phase and starts one named name, returning the ended one.
func (l *load) swap(name string) *PhaseReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.phase
	if name == "" {
		name = "steady load"
	}
	l.phase = &PhaseReport{Name: name, Statuses: map[string]int64{}}
	return old
}

// recovered waits until every process is ready and a write through HAProxy succeeds.
func (c *cluster) recovered(ctx context.Context, l *load, hc *http.Client) error {
	for i := range c.ports {
		if err := c.waitReady(ctx, i, 90*time.Second); err != nil {
			return err
		}
	}
	t, err := login(ctx, hc, c.lb(""), probeUser)
	for tries := 0; err != nil && tries < 50; tries++ {
		time.Sleep(200 * time.Millisecond)
		t, err = login(ctx, hc, c.lb(""), probeUser)
	}
	if err != nil {
		return err
	}
	email := "probe-" + newKey()[:12] + "@cluster.example"
	l.mu.Lock()
	l.tried[email] = true
	l.mu.Unlock()
	status, b, err := l.do(ctx, hc, http.MethodPost, "/api/v1/clients", t.Access, newKey(),
		fmt.Sprintf(`{"first_name":"Probe","last_name":"Write","email":%q}`, email))
	if err != nil || status != http.StatusCreated {
		return fmt.Errorf("a write after recovery failed: %d %s %v", status, b, err)
	}
	l.mu.Lock()
	l.acked[email] = true
	l.mu.Unlock()
	return nil
}

// changePolicy writes a changed policy to each process's file and waits until each reports
// the new fingerprint on /readyz.
func (c *cluster) changePolicy(ctx context.Context) error {
	_, before := c.readyz(ctx, 0)
	pol, err := os.ReadFile(c.policies[0])
	if err != nil {
		return err
	}
	pol = append(pol, []byte("\n# Added by the cluster proof: support reads every client.\np, support, client, read, any\n")...)
	for i := range c.policies {
		tmp := c.policies[i] + ".new"
		if err := os.WriteFile(tmp, pol, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, c.policies[i]); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := range c.ports {
		for {
			if _, fp := c.readyz(ctx, i); fp != "" && fp != before {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("epiccrm serve %d did not reload the changed policy within 30 s", i+1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// verify counts, in the database, the acknowledged writes missing and the writes made twice.
func (c *cluster) verify(ctx context.Context, l *load, r *Report) error {
	conn, err := pgx.Connect(ctx, c.dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT email, count(*) FROM clients WHERE email LIKE '%@cluster.example' GROUP BY email")
	if err != nil {
		return err
	}
	found := map[string]int{}
	for rows.Next() {
		var email string
		var n int
		if err := rows.Scan(&email, &n); err != nil {
			return err
		}
		found[email] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.Acknowledged = len(l.acked)
	for email := range l.acked {
		if found[email] == 0 {
			r.Missing++
		}
	}
	for email, n := range found {
		if n > 1 {
			r.Duplicated += n - 1
		}
		if !l.tried[email] {
			return fmt.Errorf("client %s was never sent", email)
		}
	}
	return nil
}

// Print writes the report as tables.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tsent\tnot 2xx at first (by status)\tfailed after retries\trecovered in\t")
	for _, p := range r.ByPhase {
		rec := "-"
		if p.Recovered > 0 {
			rec = p.Recovered.Round(10 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t\n", p.Name, p.Sent, statuses(p.Statuses), p.Failed, rec)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "requests sent\t%d\n", r.Sent)
	fmt.Fprintf(tw, "failed after retries\t%d\n", r.FinalFailures)
	fmt.Fprintf(tw, "writes acknowledged\t%d\n", r.Acknowledged)
	fmt.Fprintf(tw, "acknowledged writes missing\t%d\n", r.Missing)
	fmt.Fprintf(tw, "writes made twice\t%d\n", r.Duplicated)
	fmt.Fprintf(tw, "tokens from before, still working\t%d of %d\n", r.TokensSurvived, r.TokensChecked)
	fmt.Fprintf(tw, "admin session from before, working\t%d of %d\n", r.AdminSurvived, r.AdminChecked)
	tw.Flush()
}

// statuses writes a status count as "503 x4, network error x1".
func statuses(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s x%d", k, m[k])
	}
	return b.String()
}

// Problems lists what the report shows wrong: the acceptance rules of the proof.
func (r *Report) Problems() []string {
	var out []string
	if r.Missing > 0 {
		out = append(out, fmt.Sprintf("%d acknowledged writes are missing", r.Missing))
	}
	if r.Duplicated > 0 {
		out = append(out, fmt.Sprintf("%d writes were made twice", r.Duplicated))
	}
	if r.TokensSurvived != r.TokensChecked {
		out = append(out, fmt.Sprintf("only %d of %d token checks passed", r.TokensSurvived, r.TokensChecked))
	}
	if r.AdminSurvived != r.AdminChecked {
		out = append(out, fmt.Sprintf("the admin session worked in only %d of %d checks", r.AdminSurvived, r.AdminChecked))
	}
	if r.FinalFailures > 0 {
		out = append(out, fmt.Sprintf("%d requests failed after their retries", r.FinalFailures))
	}
	if r.Acknowledged == 0 {
		out = append(out, "no write was acknowledged")
	}
	return out
}
