// Command exportbench shows that a CSV export streams: it loads N clients (200,000 by default)
// into a throwaway SQLite database, serves the API on a local port in this process, downloads
// GET /api/v1/clients with Accept: text/csv, and prints the process's resident memory (RSS)
// before, at its peak during, and after the download. A flat RSS, whatever N, means the export
// holds one page at a time rather than the list.
//
//	go run ./tools/exportbench -rows 200000
//
// `make bench` runs it; the figures are in docs/performance.md.
package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	_ "modernc.org/sqlite"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

func main() {
	rows := flag.Int("rows", 200_000, "clients to load and export")
	flag.Parse()
	if err := run(context.Background(), *rows); err != nil {
		fmt.Fprintln(os.Stderr, "exportbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n int) error {
	dir, err := os.MkdirTemp("", "exportbench")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "bench.db")
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	app, err := epiccrm.Open(ctx, epiccrm.Config{DatabaseURL: "sqlite:" + path, SigningKey: key,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer func() { _ = app.Close() }()
	boss, err := app.Service.Bootstrap(ctx, crm.UserInput{Username: crm.Some("boss"), Email: crm.Some("boss@bench.example"),
		FirstName: crm.Some("Bench"), LastName: crm.Some("Boss"), Password: crm.Some("Export-Bench-Password-7")})
	if err != nil {
		return err
	}
	if err := load(ctx, path, n); err != nil {
		return err
	}
	pair, err := app.Tokens.Issue(ctx, boss)
	if err != nil {
		return err
	}
	host := fiber.New(fiber.Config{DisableStartupMessage: true})
	if err := app.Mount(host, ""); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = host.Listener(ln) }()
	defer func() { _ = host.Shutdown() }()

	before := rss()
	var peak atomic.Int64
	peak.Store(before)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				if r := rss(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+ln.Addr().String()+"/api/v1/clients", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+pair.AccessToken)
	req.Header.Set("Accept", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("the export answered %s", resp.Status)
	}
	// The RSS at each tenth of the rows shows whether memory grows with the export or stays flat.
	lines, size := 0, 0
	var tenths []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		lines++
		size += len(sc.Bytes()) + 2
		if n >= 10 && lines%(n/10) == 0 {
			tenths = append(tenths, fmt.Sprintf("%.1f", mib(rss())))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	close(done)
	elapsed := time.Since(start)
	if lines != n+1 {
		return fmt.Errorf("the export has %d lines, want %d (a header and %d clients)", lines, n+1, n)
	}
	fmt.Printf("exported %d clients (%.1f MiB of CSV) in %s; RSS before %.1f MiB, peak during %.1f MiB, after %.1f MiB\n",
		n, float64(size)/(1<<20), elapsed.Round(time.Millisecond), mib(before), mib(peak.Load()), mib(rss()))
	fmt.Printf("RSS (MiB) after each tenth of the rows: %s\n", strings.Join(tenths, ", "))
	return nil
}

// load inserts n clients in one statement that generates them in SQL, with their folded search
// columns, outside the application (it is the export that is measured, not the writes).
func load(ctx context.Context, path string, n int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	at := time.Now().UTC().Format(sqlstore.TimeLayout)
	start := time.Now()
	_, err = db.ExecContext(ctx, `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO clients (first_name, last_name, email, company, phone, date_created, date_updated,
			first_name_fold, last_name_fold, email_fold, company_fold, search_text)
		SELECT 'Ann', 'Client ' || i, 'c' || i || '@bench.example', 'Company ' || (i % 5000), '+33 1 23 45 67 89', ?, ?,
			'ann', 'client ' || i, 'c' || i || '@bench.example', 'company ' || (i % 5000),
			'ann client ' || i || ' c' || i || '@bench.example company ' || (i % 5000)
		FROM seq`, n, at, at)
	if err != nil {
		return fmt.Errorf("loading the clients: %w", err)
	}
	fmt.Printf("loaded %d clients in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// rss returns the resident memory of this process in bytes (Linux), or 0.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
