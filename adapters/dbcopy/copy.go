package dbcopy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrNotEmpty is the error (tested with errors.Is) of a copy into a target that already holds
// rows, without Options.Replace.
var ErrNotEmpty = errors.New("the target database is not empty")

// ErrMismatch is the error (tested with errors.Is) of a copy whose verification failed: a
// table's row count or checksum differs between the source and the target. Nothing was
// committed.
var ErrMismatch = errors.New("the copy does not match the source")

// Options tunes a copy.
type Options struct {
	// Replace empties the target's tables, in the copy's own transaction, before copying. Without
	// it a target holding any row is refused with ErrNotEmpty.
	Replace bool
	// Progress, when set, is called as each table is copied: with done 0 before its first row,
	// every few thousand rows, and with done == total when it is done.
	Progress func(table string, done, total int64)
}

// TableReport is what was copied of one table.
type TableReport struct {
	// Table is the table's name.
	Table string
	// Rows is the number of rows copied, equal on both sides.
	Rows int64
	// Checksum is the hex SHA-256 of the table's rows, ordered by primary key and rendered as
	// canonical text, equal on both sides.
	Checksum string
}

// progressEvery is how many rows pass between two calls of Options.Progress.
const progressEvery = 1000

// Copy copies every table of the database at from into the database at to, in dependency
// order (a table after those it references), in one transaction on the target: on any failure
// (a bad value, a constraint, a cancelled ctx, a failed verification) the target is left as it
// was, and the copy can simply be run again. The source is read in one consistent snapshot.
// Before committing, every table's row count and checksum are compared on both sides; on
// PostgreSQL, identity sequences are then set past the copied ids.
//
// URLs are postgres://... (or postgresql://...), sqlite:PATH or a bare PATH (SQLite). Both
// databases must exist and be at the same schema version; the target must hold no row, unless
// opts.Replace.
func Copy(ctx context.Context, from, to string, opts Options) (_ []TableReport, err error) {
	if same(from, to) {
		return nil, fmt.Errorf("the source and the target are the same database (%s): give two different databases", to)
	}
	src, err := open(ctx, from, false)
	if err != nil {
		return nil, fmt.Errorf("opening the source: %w", err)
	}
	defer src.close()
	dst, err := open(ctx, to, true)
	if err != nil {
		return nil, fmt.Errorf("opening the target: %w", err)
	}
	defer dst.close()
	if err := src.begin(ctx); err != nil {
		return nil, fmt.Errorf("reading the source %s: %w", src.name(), err)
	}
	defer src.rollback()
	if err := dst.begin(ctx); err != nil {
		return nil, fmt.Errorf("starting the transaction on the target %s: %w", dst.name(), err)
	}
	defer func() {
		if err != nil {
			dst.rollback()
		}
	}()

	plan, err := planCopy(ctx, src, dst)
	if err != nil {
		return nil, err
	}
	if err := emptyTarget(ctx, dst, plan, opts.Replace); err != nil {
		return nil, err
	}
	var reports []TableReport
	for _, p := range plan {
		r, err := copyTable(ctx, src, dst, p, opts.Progress)
		if err != nil {
			return nil, fmt.Errorf("copying the table %s: %w (nothing was committed: fix the cause and run the copy again)", p.name, err)
		}
		reports = append(reports, r)
	}
	for _, p := range plan {
		if err := dst.afterCopy(ctx, p.name, p.target); err != nil {
			return nil, fmt.Errorf("setting the id sequences of %s past the copied ids: %w", p.name, err)
		}
	}
	if err := dst.commit(ctx); err != nil {
		return nil, fmt.Errorf("committing the copy on the target %s: %w", dst.name(), err)
	}
	return reports, nil
}

// same reports whether two URLs name the same database.
func same(a, b string) bool {
	norm := func(u string) string {
		if isPostgres(u) {
			return u
		}
		p, err := filepath.Abs(strings.TrimPrefix(u, "sqlite:"))
		if err != nil {
			return u
		}
		return p
	}
	return norm(a) == norm(b)
}

// tablePlan is how one table is copied: its name, the columns read from the source (with the
// kinds both sides agree on) and the target's table.
type tablePlan struct {
	name    string
	columns []column
	key     []string
	target  table
}

// planCopy pairs the tables and columns of both databases, in the target's dependency order.
// A table or a column of the source that the target lacks, or a table of the target that the
// source lacks, is an error: the schemas differ.
func planCopy(ctx context.Context, src, dst database) ([]tablePlan, error) {
	srcTables, err := src.tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the source's schema: %w", err)
	}
	dstTables, err := dst.tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the target's schema: %w", err)
	}
	ordered, err := dependencyOrder(dstTables)
	if err != nil {
		return nil, fmt.Errorf("the target's schema: %w", err)
	}
	bySrc := map[string]table{}
	for _, t := range srcTables {
		bySrc[t.name] = t
	}
	var plan []tablePlan
	for _, d := range ordered {
		s, ok := bySrc[d.name]
		if !ok {
			return nil, fmt.Errorf("the target %s has a table %s that the source %s lacks: migrate both to the same version first",
				dst.name(), d.name, src.name())
		}
		delete(bySrc, d.name)
		p := tablePlan{name: d.name, target: d, key: d.key}
		for _, sc := range s.columns {
			dc, ok := d.column(sc.name)
			if !ok {
				return nil, fmt.Errorf("the source's column %s.%s is missing on the target %s: migrate both to the same version first",
					d.name, sc.name, dst.name())
			}
			k, err := pairKind(src, sc, dst, dc)
			if err != nil {
				return nil, fmt.Errorf("the column %s.%s: %w", d.name, sc.name, err)
			}
			p.columns = append(p.columns, column{name: sc.name, kind: k})
		}
		plan = append(plan, p)
	}
	for n := range bySrc {
		return nil, fmt.Errorf("the source %s has a table %s that the target %s lacks: migrate both to the same version first",
			src.name(), n, dst.name())
	}
	return plan, nil
}

// pairKind returns the kind a column is copied as: PostgreSQL's types say more than SQLite's
// (an instant, a day, JSON, a boolean are TEXT or INTEGER there), so a PostgreSQL side decides.
func pairKind(src database, s column, dst database, d column) (kind, error) {
	sqlitePart, pgPart := s, d
	switch {
	case src.postgres() && dst.postgres():
		if s.kind != d.kind {
			return 0, fmt.Errorf("its types differ between the source and the target")
		}
		return d.kind, nil
	case !src.postgres() && !dst.postgres():
		if s.kind != d.kind {
			return 0, fmt.Errorf("its types differ between the source and the target")
		}
		return d.kind, nil
	case src.postgres():
		sqlitePart, pgPart = d, s
	}
	ok := false
	switch sqlitePart.kind {
	case kindInteger:
		ok = pgPart.kind == kindInteger || pgPart.kind == kindBool
	case kindText:
		ok = pgPart.kind == kindText || pgPart.kind == kindTime || pgPart.kind == kindDate || pgPart.kind == kindJSON
	default:
		ok = pgPart.kind == sqlitePart.kind
	}
	if !ok {
		return 0, fmt.Errorf("its SQLite type and its PostgreSQL type do not correspond")
	}
	return pgPart.kind, nil
}

// emptyTarget refuses a target holding rows, or empties it when replace is set.
func emptyTarget(ctx context.Context, dst database, plan []tablePlan, replace bool) error {
	var full []string
	for _, p := range plan {
		n, err := dst.count(ctx, p.name)
		if err != nil {
			return fmt.Errorf("counting the rows of %s on the target: %w", p.name, err)
		}
		if n > 0 {
			full = append(full, fmt.Sprintf("%s (%d rows)", p.name, n))
		}
	}
	if len(full) == 0 {
		return nil
	}
	if !replace {
		return fmt.Errorf("%w: %s holds %s: give an empty database, or pass --replace to delete these rows in the copy's transaction",
			ErrNotEmpty, dst.name(), strings.Join(full, ", "))
	}
	names := make([]string, len(plan))
	for i, p := range plan {
		names[len(plan)-1-i] = p.name
	}
	if err := dst.clear(ctx, names); err != nil {
		return fmt.Errorf("emptying the target: %w", err)
	}
	return nil
}

// copyTable copies one table, hashing the rows as they pass, then reads the target's rows back
// and compares their count and checksum.
func copyTable(ctx context.Context, src, dst database, p tablePlan, progress func(string, int64, int64)) (TableReport, error) {
	total, err := src.count(ctx, p.name)
	if err != nil {
		return TableReport{}, fmt.Errorf("counting the source's rows: %w", err)
	}
	if progress != nil {
		progress(p.name, 0, total)
	}
	it, err := src.rows(ctx, p.name, p.columns, p.key)
	if err != nil {
		return TableReport{}, fmt.Errorf("reading the source: %w", err)
	}
	sum := newChecksum()
	var n int64
	next := func() ([]any, error) {
		row, err := it.next()
		if row == nil || err != nil {
			return nil, err
		}
		sum.add(row)
		n++
		if progress != nil && n%progressEvery == 0 {
			progress(p.name, n, total)
		}
		return row, nil
	}
	err = dst.insert(ctx, p.name, p.columns, next)
	it.close()
	if err != nil {
		return TableReport{}, err
	}
	if progress != nil {
		progress(p.name, n, total)
	}
	want := TableReport{Table: p.name, Rows: n, Checksum: sum.hex()}
	got, err := checksumOf(ctx, dst, p)
	if err != nil {
		return TableReport{}, fmt.Errorf("verifying the target: %w", err)
	}
	if got != want {
		return TableReport{}, fmt.Errorf("%w: the source has %d rows (checksum %s), the target %d (checksum %s)",
			ErrMismatch, want.Rows, want.Checksum, got.Rows, got.Checksum)
	}
	return want, nil
}

// checksumOf reads a table of db and returns its row count and checksum.
func checksumOf(ctx context.Context, db database, p tablePlan) (TableReport, error) {
	it, err := db.rows(ctx, p.name, p.columns, p.key)
	if err != nil {
		return TableReport{}, err
	}
	defer it.close()
	sum := newChecksum()
	var n int64
	for {
		row, err := it.next()
		if err != nil {
			return TableReport{}, err
		}
		if row == nil {
			break
		}
		sum.add(row)
		n++
	}
	return TableReport{Table: p.name, Rows: n, Checksum: sum.hex()}, nil
}

// checksum hashes rows rendered as canonical text.
type checksum struct {
	h interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
	b strings.Builder
}

func newChecksum() *checksum { return &checksum{h: sha256.New()} }

func (c *checksum) add(row []any) {
	c.b.Reset()
	render(&c.b, row)
	_, _ = c.h.Write([]byte(c.b.String()))
}

func (c *checksum) hex() string { return hex.EncodeToString(c.h.Sum(nil)) }

// Tables returns the tables a copy into the database at url writes, in the order it writes them
// (every table after those it references): every base table of the schema but
// schema_migrations, SQLite's own sqlite_* tables, and SQLite virtual tables and their shadow
// tables.
func Tables(ctx context.Context, url string) ([]string, error) {
	db, err := open(ctx, url, false)
	if err != nil {
		return nil, err
	}
	defer db.close()
	if err := db.begin(ctx); err != nil {
		return nil, err
	}
	defer db.rollback()
	tables, err := db.tables(ctx)
	if err != nil {
		return nil, err
	}
	ordered, err := dependencyOrder(tables)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ordered))
	for i, t := range ordered {
		names[i] = t.name
	}
	return names, nil
}
