package password

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"runtime"

	"golang.org/x/crypto/argon2"

	"github.com/epicevents/epiccrm/crm"
)

// MaxPasswordBytes is the longest password accepted, in bytes. Validate refuses a longer one,
// and Hash and Verify fail at once on it, so that a megabyte-long password costs nothing. It is
// far above any passphrase a person types; nothing shorter is ever truncated.
const MaxPasswordBytes = 1024

// Hasher hashes passwords with argon2id and vets new passwords with Django's default
// validators. It implements crm.Passwords and is safe for concurrent use.
type Hasher struct {
	params Params
}

var _ crm.Passwords = (*Hasher)(nil)

// New returns a Hasher that hashes with p; zero fields of p take their Recommended value. It
// panics when a parameter is out of range (less memory than 8 KiB per thread, no pass, a salt
// shorter than 8 bytes or a key shorter than 16), since that is a programming error.
func New(p Params) *Hasher {
	p = p.withDefaults()
	if err := p.check(); err != nil {
		panic("password.New: " + err.Error())
	}
	return &Hasher{params: p}
}

// Params returns the parameters the Hasher hashes with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the argon2id hash of password in the PHC string format, with a new random salt
// each time. It fails for a password longer than MaxPasswordBytes.
func (h *Hasher) Hash(password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", fmt.Errorf("the password is longer than %d bytes: choose a shorter one", MaxPasswordBytes)
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("cannot read random bytes for a password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	collect(h.params.Memory)
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether password matches hash, comparing the derived keys in constant time,
// and, when it does, whether hash was made with weaker parameters than the Hasher's (less
// memory, fewer passes, a shorter salt or key) and should be replaced by a new Hash. The cost
// of a check is set by the parameters stored in hash, so a wrong password takes as long as the
// right one. A malformed hash, or a password longer than MaxPasswordBytes, never matches.
func (h *Hasher) Verify(hash, password string) (ok, rehash bool) {
	if len(password) > MaxPasswordBytes {
		return false, false
	}
	p, salt, want, err := decodePHC(hash)
	if err != nil {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	collect(p.Memory)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false
	}
	return true, p.weakerThan(h.params)
}

// collectFrom is the memory cost, in KiB, from which a hash's memory is collected as soon as the
// hash is done (see collect).
const collectFrom = 4 << 10

// collect runs the garbage collector after a hash of memory KiB, when that is at least
// collectFrom. argon2id leaves its whole memory (12 MiB with Recommended) as garbage, which the
// collector would otherwise only reclaim once the heap had doubled: a burst of logins then grows
// the process by the hash's memory each time. Collected at once, the next hash reuses the same pages, so the
// heap stays at its live size plus the hashes in progress, which crm.Hashing bounds. A
// collection costs far less than a hash: argon2id's blocks hold no pointers to scan.
func collect(memory uint32) {
	if memory >= collectFrom {
		runtime.GC()
	}
}
