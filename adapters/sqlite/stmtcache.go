package sqlite

import (
	"container/list"
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCacheSize is how many prepared statements of the read pool stmtCache keeps: more than the
// distinct reads of the API's requests, and few enough that the statements of the pool's
// connections (each prepares a statement the first time it runs it) stay small beside the page
// cache.
const stmtCacheSize = 128

// stmtCache keeps the statements of a pool prepared, by their SQL text, so that a read does not
// compile its statement again on every call: SQLite's prepare took a quarter of the server's CPU
// for GET one client, which reads two rows (the user, then the client; docs/performance.md,
// "SQLite: statements kept prepared"). database/sql prepares a kept statement once on each
// connection that runs it, and prepares it again after a schema change. Past its size, the
// least recently used statement is closed (database/sql finalizes it once its open rows are
// done).
type stmtCache struct {
	db   *sql.DB
	size int // how many statements it keeps

	mu     sync.Mutex
	recent *list.List               // of *keptStmt, the most recently used first
	byText map[string]*list.Element // the elements of recent, by SQL text
	closed bool
}

// keptStmt is a statement of stmtCache and its SQL text.
type keptStmt struct {
	text string
	stmt *sql.Stmt
	// users counts the reads holding it (stmt to release); evicted says that the cache no
	// longer keeps it: it is closed when its last read releases it.
	users   int
	evicted bool
}

// newStmtCache returns an empty cache of at most size of db's statements.
func newStmtCache(db *sql.DB, size int) *stmtCache {
	return &stmtCache{db: db, size: size, recent: list.New(), byText: map[string]*list.Element{}}
}

// errCacheClosed is the error of a read after the store closed.
var errCacheClosed = errors.New("the SQLite store is closed")

// stmt returns the prepared statement of query, preparing it if it is not kept, for one read,
// which must release it once done with it (its rows closed): a statement evicted meanwhile is
// closed then, not under the read. Two reads of a new statement at once may both prepare it;
// the second keeps the first's.
func (c *stmtCache) stmt(ctx context.Context, query string) (*keptStmt, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errCacheClosed
	}
	if e, ok := c.byText[query]; ok {
		c.recent.MoveToFront(e)
		k := e.Value.(*keptStmt)
		k.users++
		c.mu.Unlock()
		return k, nil
	}
	c.mu.Unlock()

	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = s.Close()
		return nil, errCacheClosed
	}
	if e, ok := c.byText[query]; ok {
		_ = s.Close()
		c.recent.MoveToFront(e)
		k := e.Value.(*keptStmt)
		k.users++
		return k, nil
	}
	k := &keptStmt{text: query, stmt: s, users: 1}
	c.byText[query] = c.recent.PushFront(k)
	for c.recent.Len() > c.size {
		c.evict(c.recent.Back())
	}
	return k, nil
}

// release lets go of a statement that stmt returned, closing it if it was evicted and this
// was its last read.
func (c *stmtCache) release(k *keptStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k.users--
	if k.evicted && k.users == 0 {
		_ = k.stmt.Close()
	}
}

// evict drops the statement of e from the cache, closing it unless a read holds it. c.mu is
// held.
func (c *stmtCache) evict(e *list.Element) error {
	k := c.recent.Remove(e).(*keptStmt)
	delete(c.byText, k.text)
	k.evicted = true
	if k.users == 0 {
		return k.stmt.Close()
	}
	return nil
}

// close closes every kept statement (those that reads hold, once they release them); stmt
// fails after it.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for c.recent.Len() > 0 {
		errs = append(errs, c.evict(c.recent.Front()))
	}
	return errors.Join(errs...)
}

// len returns how many statements are kept.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recent.Len()
}
