// Command bare is the baseline of the authenticated hot path benchmark: the least a Go server
// can do to answer GET /api/v1/clients/{id} from PostgreSQL, with Fiber v2 and a pgx v5 pool
// like EpicCRM's, and nothing else (no authentication, authorization, logging or metrics). It
// serves the clients of an EpicCRM database, read-only:
//
//	bare -addr 127.0.0.1:8100 -database-url postgres://postgres@127.0.0.1:5432/epiccrm
//
// tools/loadgen/hotpath.sh runs it and EpicCRM side by side on one database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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

const clientQuery = `SELECT id, first_name, last_name, email, phone, mobile, company, status, sales_contact_id,
	date_created, date_updated FROM clients WHERE id = $1`

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
		return errors.New("-database-url is required: the PostgreSQL database of an EpicCRM")
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q must be a loopback HOST:PORT: this program serves data without authentication", addr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = 10 // as EpicCRM's pool
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/api/v1/clients/:id", func(c *fiber.Ctx) error {
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil {
			return fiber.ErrBadRequest
		}
		var cl client
		err = pool.QueryRow(c.UserContext(), clientQuery, id).Scan(&cl.ID, &cl.FirstName, &cl.LastName, &cl.Email,
			&cl.Phone, &cl.Mobile, &cl.Company, &cl.Status, &cl.SalesContactID, &cl.DateCreated, &cl.DateUpdated)
		if errors.Is(err, pgx.ErrNoRows) {
			return fiber.ErrNotFound
		}
		if err != nil {
			return err
		}
		return c.JSON(cl)
	})
	go func() {
		<-ctx.Done()
		_ = app.ShutdownWithTimeout(5 * time.Second)
	}()
	return app.Listen(addr)
}
