// Command bare is the baseline of the benchmarks: the least a Go server can do to answer
// GET /api/v1/clients/{id} and GET /api/v1/clients?limit=N[&cursor=ID] (keyset pages in id
// order) from PostgreSQL, with Fiber v2 and a pgx v5 pool like EpicCRM's, or from SQLite, with
// database/sql and modernc.org/sqlite like EpicCRM's read pool, and nothing else (no
// authentication, authorization, logging or metrics). It serves the clients of an EpicCRM
// database, read-only:
//
//	bare -addr 127.0.0.1:8100 -database-url postgres://postgres@127.0.0.1:5432/epiccrm
//	bare -addr 127.0.0.1:8100 -database-url sqlite:/path/to/crm.db
//
// tools/loadgen/hotpath.sh and tools/benchsuite run it and EpicCRM side by side on one database.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"
)

// client is one row of the clients table, as the API shows it.
type client struct {
	ID             int64     `json:"id"`
	FirstName      string    `json:"first_name"`
	LastName       string    `json:"last_name"`
	Email          string    `json:"email"`
	Phone          string    `json:"phone"`
	Mobile         string    `json:"mobile"`
	Company        string    `json:"company"`
	Status         string    `json:"status"`
	SalesContactID *int64    `json:"sales_contact_id"`
	DateCreated    time.Time `json:"date_created"`
	DateUpdated    time.Time `json:"date_updated"`
}

// clientColumns are the columns of a client, in the order of scanClient.
const clientColumns = `id, first_name, last_name, email, phone, mobile, company, status, sales_contact_id,
	date_created, date_updated`

// source reads clients from one database.
type source interface {
	// get returns client id, or errNotFound.
	get(ctx context.Context, id int64) (*client, error)
	// list returns up to limit clients of id greater than after, in id order.
	list(ctx context.Context, after int64, limit int) ([]client, error)
	close()
}

var errNotFound = errors.New("not found")

// scanner is pgx.Rows, pgx.Row, *sql.Row and *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// pgSource reads PostgreSQL through a pgx pool.
type pgSource struct{ pool *pgxpool.Pool }

func (p pgSource) get(ctx context.Context, id int64) (*client, error) {
	var cl client
	err := p.pool.QueryRow(ctx, "SELECT "+clientColumns+" FROM clients WHERE id = $1", id).Scan(cl.fields(nil)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNotFound
	}
	return &cl, err
}

func (p pgSource) list(ctx context.Context, after int64, limit int) ([]client, error) {
	rows, err := p.pool.Query(ctx, "SELECT "+clientColumns+" FROM clients WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (client, error) {
		var cl client
		return cl, r.Scan(cl.fields(nil)...)
	})
}

func (p pgSource) close() { p.pool.Close() }

// liteSource reads SQLite through a database/sql pool, whose times are text.
type liteSource struct{ db *sql.DB }

// timeLayout is the text form of EpicCRM's times on SQLite.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// scanLite scans a client whose times are text.
func scanLite(s scanner) (client, error) {
	var cl client
	var times [2]string
	if err := s.Scan(cl.fields(&times)...); err != nil {
		return cl, err
	}
	var err1, err2 error
	cl.DateCreated, err1 = time.Parse(timeLayout, times[0])
	cl.DateUpdated, err2 = time.Parse(timeLayout, times[1])
	return cl, errors.Join(err1, err2)
}

func (l liteSource) get(ctx context.Context, id int64) (*client, error) {
	cl, err := scanLite(l.db.QueryRowContext(ctx, "SELECT "+clientColumns+" FROM clients WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	return &cl, err
}

func (l liteSource) list(ctx context.Context, after int64, limit int) ([]client, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT "+clientColumns+" FROM clients WHERE id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []client
	for rows.Next() {
		cl, err := scanLite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cl)
	}
	return out, rows.Err()
}

func (l liteSource) close() { _ = l.db.Close() }

// fields returns the scan destinations of a client's columns; times, when not nil, receives
// the two times as text.
func (cl *client) fields(times *[2]string) []any {
	f := []any{&cl.ID, &cl.FirstName, &cl.LastName, &cl.Email, &cl.Phone, &cl.Mobile, &cl.Company, &cl.Status,
		&cl.SalesContactID, &cl.DateCreated, &cl.DateUpdated}
	if times != nil {
		f[9], f[10] = &times[0], &times[1]
	}
	return f
}

// open opens the database of dbURL: postgres://... or sqlite:PATH.
func open(ctx context.Context, dbURL string) (source, error) {
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
		if err != nil {
			return nil, err
		}
		n := max(4, runtime.NumCPU()) // as EpicCRM's read pool
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		return liteSource{db}, db.PingContext(ctx)
	}
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	// pgx's default pool size, max(4, cores), as EpicCRM's (postgres.DefaultPoolSize).
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return pgSource{pool}, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8100", "the loopback address to listen on")
	dbURL := flag.String("database-url", "", "the PostgreSQL database of an EpicCRM, postgres://...")
	flag.Parse()
	if err := run(*addr, *dbURL); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

func run(addr, dbURL string) error {
	if dbURL == "" {
		return errors.New("-database-url is required: the database of an EpicCRM, postgres://... or sqlite:PATH")
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q must be a loopback HOST:PORT: this program serves data without authentication", addr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, err := open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer src.close()

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/api/v1/clients/:id", func(c *fiber.Ctx) error {
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil {
			return fiber.ErrBadRequest
		}
		cl, err := src.get(c.UserContext(), id)
		if errors.Is(err, errNotFound) {
			return fiber.ErrNotFound
		}
		if err != nil {
			return err
		}
		return c.JSON(cl)
	})
	app.Get("/api/v1/clients", func(c *fiber.Ctx) error {
		limit, after := c.QueryInt("limit", 50), int64(c.QueryInt("cursor", 0))
		if limit < 1 || limit > 500 || after < 0 {
			return fiber.ErrBadRequest
		}
		items, err := src.list(c.UserContext(), after, limit+1)
		if err != nil {
			return err
		}
		var next *string
		if len(items) > limit {
			items = items[:limit]
			cursor := strconv.FormatInt(items[limit-1].ID, 10)
			next = &cursor
		}
		return c.JSON(fiber.Map{"items": items, "next_cursor": next})
	})
	go func() {
		<-ctx.Done()
		_ = app.ShutdownWithTimeout(5 * time.Second)
	}()
	return app.Listen(addr)
}
