package password

import "fmt"

// Params are the argon2id cost parameters of a Hasher.
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
	// SaltLen is the length of the random salt in bytes.
	SaltLen uint32
	// KeyLen is the length of the derived key (the stored hash) in bytes.
	KeyLen uint32
}

// Recommended are argon2id parameters of the OWASP Password Storage Cheat Sheet: 12 MiB of
// memory, 3 passes, 1 thread, with a 16-byte salt and a 32-byte key. The cheat sheet lists five
// configurations of equal strength (m=47104 t=1, m=19456 t=2, m=12288 t=3, m=9216 t=4, m=7168
// t=5); this one costs about the CPU of m=19456 t=2 with 7 MiB less memory per check, which
// matters when a storm of logins runs one check per core (64 concurrent logins stay under 100
// MB, see docs/performance.md). Hashes made with the earlier m=19456 t=2 are rehashed at their
// next login (fewer passes). A hash takes tens of milliseconds on a server core.
var Recommended = Params{Memory: 12288, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}

// ForTests are the cheapest parameters argon2id accepts (8 KiB, 1 pass), so that the tests of
// packages that create many users stay fast. A hash made with them offers no protection at
// all: never use them in production. A Hasher with Recommended parameters still verifies such
// a hash, and asks for it to be rehashed.
var ForTests = Params{Memory: 8, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Limits on the parameters, for New and for the hashes Verify accepts. They keep a corrupt or
// hostile stored hash from making Verify allocate gigabytes or loop for minutes.
const (
	maxMemory  = 4 << 20 // KiB, 4 GiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

// withDefaults returns p with each zero field set to its Recommended value.
func (p Params) withDefaults() Params {
	if p.Memory == 0 {
		p.Memory = Recommended.Memory
	}
	if p.Time == 0 {
		p.Time = Recommended.Time
	}
	if p.Threads == 0 {
		p.Threads = Recommended.Threads
	}
	if p.SaltLen == 0 {
		p.SaltLen = Recommended.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = Recommended.KeyLen
	}
	return p
}

// check returns an error naming the first parameter outside the supported range.
func (p Params) check() error {
	switch {
	case p.Threads < 1:
		return fmt.Errorf("argon2id threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("argon2id memory must be between %d and %d KiB, not %d", 8*uint32(p.Threads), maxMemory, p.Memory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id time must be between 1 and %d, not %d", maxTime, p.Time)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2id salt length must be between %d and %d bytes, not %d", minSaltLen, maxSaltLen, p.SaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id key length must be between %d and %d bytes, not %d", minKeyLen, maxKeyLen, p.KeyLen)
	}
	return nil
}

// weakerThan reports whether a hash made with p is weaker than one made with q: less memory,
// fewer passes, a shorter salt or a shorter key. Parallelism is not a strength: it only splits
// the same memory between lanes.
func (p Params) weakerThan(q Params) bool {
	return p.Memory < q.Memory || p.Time < q.Time || p.SaltLen < q.SaltLen || p.KeyLen < q.KeyLen
}
