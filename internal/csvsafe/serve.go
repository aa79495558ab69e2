package csvsafe

import (
	"bufio"
	"context"
	"log/slog"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// Stream is an export to send: a list's name (for the file name), its columns, its first page
// (read before the response starts, so that a refusal is still an error page) and a way to
// read the next ones.
type Stream[T any] struct {
	Name  string
	Cols  []Column[T]
	BOM   bool
	First []T
	Next  string
	// More reads the page at cursor with ctx: the caller of the request, with a deadline of
	// PageBudget for that page alone.
	More       func(ctx context.Context, cursor string) ([]T, string, error)
	PageBudget time.Duration
	Log        *slog.Logger
}

// Serve sends s on c as a CSV attachment, written page by page while the list is read (the
// request's own context ends when its handler returns, so each page gets a context of its own
// with the caller of ctx). A failure after the response started ends the file with a Failed
// line and is logged.
func Serve[T any](c *fiber.Ctx, ctx context.Context, s Stream[T]) {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+Filename(s.Name, time.Now())+`"`)
	base := context.WithoutCancel(ctx)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		cw, err := NewWriter(w, s.BOM)
		if err == nil {
			err = Export(cw, s.Cols, s.First, s.Next, func(cursor string) ([]T, string, error) {
				ctx, cancel := context.WithTimeout(base, s.PageBudget)
				defer cancel()
				return s.More(ctx, cursor)
			}, w.Flush)
		}
		if err != nil {
			s.Log.LogAttrs(base, slog.LevelError, "csv export stopped", slog.String("list", s.Name), slog.String("error", err.Error()))
			if cw != nil {
				_ = cw.Write(Failed(crm.ErrorMessage(err))...)
				_ = cw.Flush()
				_ = w.Flush()
			}
		}
	})
}
