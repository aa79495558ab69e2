package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/dbcopy"
)

// cmdCopy copies every table of one database into another (SQLite to PostgreSQL, and any other
// direction between the two), in one transaction on the target, and verifies the copy.
func cmdCopy(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("copy --from URL --to URL [--replace]",
		"Copy every table of the database --from into the database --to (sqlite:PATH or postgres://...,\n"+
			"in any direction), in one transaction on the target, then compare every table's row count and\n"+
			"checksum on both sides before committing. The source must be at this epiccrm's schema version;\n"+
			"the target is migrated up first and must be empty, unless --replace. A failure leaves the\n"+
			"target as it was: run the command again.", e.stderr)
	from := fs.String("from", "", "the source database: sqlite:PATH, a bare PATH, or postgres://... (required)")
	to := fs.String("to", "", "the target database: postgres://..., sqlite:PATH or a bare PATH (required)")
	replace := fs.Bool("replace", false, "empty a non-empty target, inside the copy's transaction, before copying")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usageError{"--from and --to are required"}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := checkSource(ctx, *from); err != nil {
		return err
	}
	if err := migrateTarget(ctx, *to); err != nil {
		return err
	}
	start := time.Now()
	bar := newProgress(e.stderr, e.stderrTerminal)
	reports, err := dbcopy.Copy(ctx, *from, *to, dbcopy.Options{Replace: *replace, Progress: bar.update})
	bar.finish()
	if err != nil {
		if errors.Is(err, dbcopy.ErrNotEmpty) {
			return usageError{err.Error()}
		}
		return err
	}
	var rows int64
	for _, r := range reports {
		rows += r.Rows
		fmt.Fprintf(e.stdout, "%-20s %10d rows  sha256 %s\n", r.Table, r.Rows, r.Checksum)
	}
	fmt.Fprintf(e.stdout, "copied %d rows in %d tables from %s to %s in %s; row counts and checksums match\n",
		rows, len(reports), redact(*from), redact(*to), time.Since(start).Round(time.Millisecond))
	return nil
}

// checkSource refuses a source whose schema is not at this binary's version.
func checkSource(ctx context.Context, from string) error {
	if !strings.Contains(from, "://") {
		path := strings.TrimPrefix(from, "sqlite:")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("the source database %s: %w", path, err)
		}
	}
	st, err := openDatabase(ctx, from)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := epiccrm.CheckSchema(st); err != nil {
		return fmt.Errorf("the source %s: %w (copy from a database at this epiccrm's version)", redact(from), err)
	}
	return nil
}

// migrateTarget applies the pending migrations to the target and checks its version.
func migrateTarget(ctx context.Context, to string) error {
	st, err := openDatabase(ctx, to)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.MigrateUp(ctx); err != nil {
		return fmt.Errorf("the target %s: %w", redact(to), err)
	}
	if err := epiccrm.CheckSchema(st); err != nil {
		return fmt.Errorf("the target %s: %w", redact(to), err)
	}
	return nil
}

// cmdBackup writes a consistent snapshot of a SQLite database to a file, while the server runs.
func cmdBackup(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("backup [--database-url URL] [--force] FILE",
		"Write a consistent snapshot of the SQLite database to FILE (VACUUM INTO), safely while the\n"+
			"server runs and writes. Restore: stop the server and copy FILE over the database file, or\n"+
			"'epiccrm copy --from sqlite:FILE --to URL'. For PostgreSQL, use pg_dump: the command prints how.", e.stderr)
	var db dbFlags
	db.register(fs)
	force := fs.Bool("force", false, "overwrite FILE when it exists")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give exactly one FILE to write the backup to"}
	}
	file := fs.Arg(0)
	if strings.HasPrefix(db.url, "postgres://") || strings.HasPrefix(db.url, "postgresql://") {
		return usageError{fmt.Sprintf("backup copies SQLite databases only; for PostgreSQL use pg_dump:\n"+
			"  pg_dump --format=custom --file=%s '%s'\n"+
			"and restore with pg_restore --clean --if-exists --dbname='URL' %s", file, libpqURL(db.url), file)}
	}
	path := strings.TrimPrefix(db.url, "sqlite:")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("the database %s: %w", path, err)
	}
	if _, err := os.Stat(file); err == nil {
		if !*force {
			return usageError{fmt.Sprintf("%s exists: give a new file name, or pass --force to overwrite it", file)}
		}
		if err := os.Remove(file); err != nil {
			return fmt.Errorf("removing the old backup %s: %w", file, err)
		}
	}
	if err := backupSQLite(ctx, path, file); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s\n", path, file)
	return nil
}

// libpqURL returns a postgres URL without the parameters only pgx understands (pool_*), which
// pg_dump would refuse, and with its password hidden.
func libpqURL(dbURL string) string {
	u, err := url.Parse(epiccrm.Redact(dbURL))
	if err != nil {
		return epiccrm.Redact(dbURL)
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// backupSQLite writes a snapshot of the database at path into the new file, then checks it.
func backupSQLite(ctx context.Context, path, file string) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", file); err != nil {
		_ = os.Remove(file)
		return fmt.Errorf("writing the backup %s: %w", file, err)
	}
	check, err := sql.Open("sqlite", file+"?_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("checking the backup %s: %w", file, err)
	}
	defer check.Close()
	var res string
	if err := check.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		return fmt.Errorf("the backup %s fails its integrity check (%s, %v): do not rely on it", file, res, err)
	}
	return nil
}
