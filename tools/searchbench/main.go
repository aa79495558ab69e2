// Command searchbench measures client search at scale: it loads N clients (1,000,000 by default)
// into a throwaway PostgreSQL database and, unless -sqlite-rows is 0, into a temporary SQLite
// file, then times searches for a rare and a common word, p50 and p99 over -runs runs each,
// both through the store (the folded search text and its index) and with the LIKE query the
// store ran before (lower(col) LIKE '%word%' on each column), on the same data in the same run.
//
//	go run ./tools/searchbench -rows 1000000 -sqlite-rows 1000000 -runs 50 -before-runs 10
//
// With -pg-database, the PostgreSQL clients are loaded once into that database and reused by
// the next runs.
//
// The PostgreSQL server is EPICCRM_TEST_DATABASE_URL's, or postgres://postgres@127.0.0.1:5432/postgres;
// the database it creates is dropped at the end. `make bench` runs it.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/epicevents/epiccrm/adapters/postgres"
	"github.com/epicevents/epiccrm/adapters/sqlite"
	"github.com/epicevents/epiccrm/adapters/sqlstore"
	"github.com/epicevents/epiccrm/crm"
)

// oldQuery is the store's former search of clients: case-insensitive LIKE on each column, the
// first page in id order, as ListClients ran it.
const oldQuery = `SELECT c.id, c.first_name, c.last_name, c.email, c.phone, c.mobile, c.company, c.status,
	c.sales_contact_id, c.date_created, c.date_updated, c.version FROM clients c
	WHERE (lower(c.first_name) LIKE lower(?) ESCAPE '\' OR lower(c.last_name) LIKE lower(?) ESCAPE '\'
		OR lower(c.email) LIKE lower(?) ESCAPE '\' OR lower(c.company) LIKE lower(?) ESCAPE '\')
	ORDER BY c.id LIMIT 21`

// The searched words: the rare word is in one client's last name, the common one in every
// hundredth client's company.
const (
	rareWord   = "Zéphyrine"
	commonWord = "Brasserie"
)

var firstNames = []string{"Amélie", "Léa", "Chloé", "Manon", "Inès", "Jade", "Louise", "Zoé", "Camille", "Hugo",
	"Lucas", "Théo", "Gabriel", "Raphaël", "Noé", "Jules", "Arthur", "Louis", "Adam", "Éloïse"}
var lastNames = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
	"Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"}

// client returns the fields of the i-th generated client: first, last, email, company.
func client(i int, r *rand.Rand) [4]string {
	first := firstNames[r.IntN(len(firstNames))]
	last := fmt.Sprintf("%s-%x", lastNames[r.IntN(len(lastNames))], r.Uint32())
	if i == 777_777 || i == 7 {
		last = rareWord
	}
	company := fmt.Sprintf("Société %x", r.Uint32()%50000)
	if i%100 == 0 {
		company = commonWord + " " + company
	}
	return [4]string{first, last, fmt.Sprintf("c%d@%x.example", i, r.Uint32()), company}
}

func main() {
	rows := flag.Int("rows", 1_000_000, "clients to load into PostgreSQL (0 to skip it)")
	liteRows := flag.Int("sqlite-rows", 1_000_000, "clients to load into SQLite (0 to skip it)")
	runs := flag.Int("runs", 50, "runs of each search through the store")
	beforeRuns := flag.Int("before-runs", 10, "runs of each search with the old LIKE query (seconds each at 1M rows)")
	keep := flag.String("pg-database", "", "PostgreSQL database to keep the clients in and reuse on the next run "+
		"(created and loaded when it does not exist yet, never dropped); default: a throwaway one")
	flag.Parse()
	ctx := context.Background()
	if *rows > 0 {
		if err := benchPostgres(ctx, *rows, *runs, *beforeRuns, *keep); err != nil {
			fmt.Fprintln(os.Stderr, "searchbench: PostgreSQL:", err)
			os.Exit(1)
		}
	}
	if *liteRows > 0 {
		if err := benchSQLite(ctx, *liteRows, *runs, *beforeRuns); err != nil {
			fmt.Fprintln(os.Stderr, "searchbench: SQLite:", err)
			os.Exit(1)
		}
	}
}

// searcher is what both stores offer the benchmark.
type searcher interface {
	ListClients(ctx context.Context, f crm.ClientFilter, acc crm.Access) ([]*crm.Client, string, error)
}

// report times the store's search and the old query for each word, and prints the figures.
func report(ctx context.Context, name string, n, runs, beforeRuns int, s searcher, old func(pattern string) (int, error)) error {
	for _, w := range []string{rareWord, commonWord} {
		var found int
		after, err := timeIt(runs, func() error {
			got, _, err := s.ListClients(ctx, crm.ClientFilter{Q: strings.ToLower(crm.FoldSearch(w)),
				ListOptions: crm.ListOptions{Limit: 20}}, crm.FullAccess)
			found = len(got)
			return err
		})
		if err != nil {
			return err
		}
		var oldFound int
		before, err := timeIt(beforeRuns, func() error {
			var err error
			oldFound, err = old("%" + strings.ToLower(w) + "%")
			return err
		})
		if err != nil {
			return err
		}
		fmt.Printf("%-10s %9d clients  q=%-10s  before (LIKE): p50 %9s p99 %9s (%d rows)   after (index): p50 %9s p99 %9s (%d rows)\n",
			name, n, w, before[0], before[1], oldFound, after[0], after[1], found)
	}
	return nil
}

// timeIt runs fn runs times (after one warm-up run) and returns the p50 and p99 durations.
func timeIt(runs int, fn func() error) ([2]time.Duration, error) {
	if err := fn(); err != nil {
		return [2]time.Duration{}, err
	}
	ds := make([]time.Duration, runs)
	for i := range ds {
		start := time.Now()
		if err := fn(); err != nil {
			return [2]time.Duration{}, err
		}
		ds[i] = time.Since(start)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	pct := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(10 * time.Microsecond)
	}
	return [2]time.Duration{pct(0.50), pct(0.99)}, nil
}

func benchPostgres(ctx context.Context, n, runs, beforeRuns int, keep string) error {
	base := os.Getenv("EPICCRM_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres"
	}
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", base, err)
	}
	defer func() { _ = admin.Close(ctx) }()
	name := keep
	if name == "" {
		name = fmt.Sprintf("epiccrm_searchbench_%d", time.Now().UnixNano())
		defer func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") }()
	}
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
	}
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		return err
	}
	url := fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, name)
	s, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	if err := s.MigrateUp(ctx); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()

	var loaded int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM clients").Scan(&loaded); err != nil {
		return err
	}
	if loaded > 0 {
		fmt.Printf("PostgreSQL: reusing the %d clients of database %s\n", loaded, name)
		return reportPostgres(ctx, conn, loaded, runs, beforeRuns, s)
	}
	start := time.Now()
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	i := 0
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"clients"},
		[]string{"first_name", "last_name", "email", "company", "date_created", "date_updated",
			"first_name_fold", "last_name_fold", "email_fold", "company_fold", "search_text"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= n {
				return nil, nil
			}
			i++
			c := client(i, r)
			return []any{c[0], c[1], c[2], c[3], now, now, crm.FoldSearch(c[0]), crm.FoldSearch(c[1]),
				crm.FoldSearch(c[2]), crm.FoldSearch(c[3]), crm.SearchText(c[0], c[1], c[2], c[3])}, nil
		}))
	if err != nil {
		return fmt.Errorf("loading the clients: %w", err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE clients"); err != nil {
		return err
	}
	fmt.Printf("PostgreSQL: loaded %d clients (COPY, then VACUUM ANALYZE) in %s\n", n, time.Since(start).Round(time.Millisecond))
	return reportPostgres(ctx, conn, n, runs, beforeRuns, s)
}

// reportPostgres times the searches of the n clients on PostgreSQL.
func reportPostgres(ctx context.Context, conn *pgx.Conn, n, runs, beforeRuns int, s searcher) error {
	old := strings.NewReplacer("lower(?)", "lower($1)").Replace(oldQuery)
	return report(ctx, "PostgreSQL", n, runs, beforeRuns, s, func(pattern string) (int, error) {
		rows, err := conn.Query(ctx, old, pattern)
		if err != nil {
			return 0, err
		}
		k := 0
		for rows.Next() {
			k++
		}
		rows.Close()
		return k, rows.Err()
	})
}

func benchSQLite(ctx context.Context, n, runs, beforeRuns int) error {
	dir, err := os.MkdirTemp("", "searchbench")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "bench.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	if err := s.MigrateUp(ctx); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)

	start := time.Now()
	r := rand.New(rand.NewPCG(1, 2))
	at := time.Now().UTC().Format(sqlstore.TimeLayout)
	const batch = 500
	row := "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	for i := 0; i < n; {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for j := 0; j < 40 && i < n; j++ {
			k := min(batch, n-i)
			args := make([]any, 0, k*11)
			for range k {
				i++
				c := client(i, r)
				args = append(args, c[0], c[1], c[2], c[3], at, at, crm.FoldSearch(c[0]), crm.FoldSearch(c[1]),
					crm.FoldSearch(c[2]), crm.FoldSearch(c[3]), crm.SearchText(c[0], c[1], c[2], c[3]))
			}
			q := `INSERT INTO clients (first_name, last_name, email, company, date_created, date_updated,
				first_name_fold, last_name_fold, email_fold, company_fold, search_text) VALUES ` +
				strings.TrimSuffix(strings.Repeat(row+",", k), ",")
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("loading the clients: %w", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	fmt.Printf("SQLite:     loaded %d clients (batched INSERTs, FTS5 kept by triggers) in %s\n", n, time.Since(start).Round(time.Millisecond))
	return report(ctx, "SQLite", n, runs, beforeRuns, s, func(pattern string) (int, error) {
		rows, err := db.QueryContext(ctx, oldQuery, pattern, pattern, pattern, pattern)
		if err != nil {
			return 0, err
		}
		k := 0
		for rows.Next() {
			k++
		}
		_ = rows.Close()
		return k, rows.Err()
	})
}
