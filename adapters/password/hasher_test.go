package password_test

import (
	"encoding/base64"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/epicevents/epiccrm/adapters/password"
)

func TestNewFillsDefaults(t *testing.T) {
	t.Parallel()
	assert.Equal(t, password.Recommended, password.New(password.Params{}).Params())
	assert.Equal(t, password.ForTests, password.New(password.ForTests).Params())
	p := password.New(password.Params{Memory: 65536}).Params()
	assert.Equal(t, uint32(65536), p.Memory)
	assert.Equal(t, password.Recommended.Time, p.Time)
}

func TestNewRefusesBadParams(t *testing.T) {
	t.Parallel()
	for _, p := range []password.Params{
		{Memory: 7, Time: 1, Threads: 1},
		{Memory: 16, Time: 1, Threads: 4},
		{Memory: 8 << 20},
		{Time: 1000},
		{SaltLen: 4},
		{KeyLen: 8},
	} {
		assert.Panics(t, func() { password.New(p) }, "New(%+v)", p)
	}
}

func TestHashFormat(t *testing.T) {
	t.Parallel()
	h := password.New(password.Recommended)
	hash, err := h.Hash("correct horse battery staple")
	require.NoError(t, err)
	// A 16-byte salt and a 32-byte key in unpadded standard base64.
	assert.Regexp(t, regexp.MustCompile(`^\$argon2id\$v=19\$m=12288,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`), hash)

	hash, err = password.New(password.ForTests).Hash("x")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=8,t=1,p=1$"), hash)
}

func TestHashIsSaltedAnew(t *testing.T) {
	t.Parallel()
	h := password.New(password.ForTests)
	a, err := h.Hash("same password")
	require.NoError(t, err)
	b, err := h.Hash("same password")
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
	for _, hash := range []string{a, b} {
		ok, _ := h.Verify(hash, "same password")
		assert.True(t, ok)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	h := password.New(password.ForTests)
	hash, err := h.Hash("Tr0ub4dor&3")
	require.NoError(t, err)
	tests := []struct {
		password string
		want     bool
	}{
		{"Tr0ub4dor&3", true},
		{"tr0ub4dor&3", false},
		{"Tr0ub4dor&", false},
		{"Tr0ub4dor&3 ", false},
		{"", false},
	}
	for _, tt := range tests {
		ok, _ := h.Verify(hash, tt.password)
		assert.Equal(t, tt.want, ok, "Verify(%q)", tt.password)
	}
}

// The hashes were made by the reference implementation of argon2 (Debian's argon2 command):
//
//	echo -n 'correct horse battery staple' | argon2 'epiccrm-salt-16b' -id -t 2 -m 10 -p 1 -l 32 -e
//	echo -n 'correct horse battery staple' | argon2 'saltsaltsaltsalt' -id -t 3 -k 64 -p 2 -l 32 -e
func TestVerifyReferenceHashes(t *testing.T) {
	t.Parallel()
	h := password.New(password.ForTests)
	for _, hash := range []string{
		"$argon2id$v=19$m=1024,t=2,p=1$ZXBpY2NybS1zYWx0LTE2Yg$kJR4FBOMnjyBD4sC2IkUOHXzNSjnl+sq86ikCsSFF3A",
		"$argon2id$v=19$m=64,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$rkBwy03OwrFbP0+11Pf+jbxdC+0gq7PfKhzS9GwWhiA",
	} {
		ok, _ := h.Verify(hash, "correct horse battery staple")
		assert.True(t, ok, hash)
		ok, _ = h.Verify(hash, "correct horse battery stapler")
		assert.False(t, ok, hash)
	}
}

func TestVerifyAsksForRehash(t *testing.T) {
	t.Parallel()
	const pw = "a long enough password"
	hashWith := func(p password.Params) string {
		t.Helper()
		hash, err := password.New(p).Hash(pw)
		require.NoError(t, err)
		return hash
	}
	weak := hashWith(password.ForTests)
	recommended := hashWith(password.Params{Memory: 1024, Time: 2})
	tests := []struct {
		name       string
		hash       string
		hasher     password.Params
		wantRehash bool
	}{
		{"same parameters", recommended, password.Params{Memory: 1024, Time: 2}, false},
		{"less memory", weak, password.Params{Memory: 1024, Time: 1}, true},
		{"fewer passes", hashWith(password.Params{Memory: 1024, Time: 1}), password.Params{Memory: 1024, Time: 2}, true},
		{"more memory but fewer passes (as m=19456 t=2 against m=12288 t=3)", hashWith(password.Params{Memory: 1536, Time: 2}), password.Params{Memory: 1024, Time: 3}, true},
		{"shorter key", hashWith(password.Params{Memory: 1024, Time: 2, KeyLen: 16}), password.Params{Memory: 1024, Time: 2}, true},
		{"shorter salt", hashWith(password.Params{Memory: 1024, Time: 2, SaltLen: 8}), password.Params{Memory: 1024, Time: 2}, true},
		{"stronger than the hasher's", recommended, password.ForTests, false},
		{"more threads is not stronger", hashWith(password.Params{Memory: 1024, Time: 2, Threads: 2}), password.Params{Memory: 1024, Time: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := password.New(tt.hasher)
			ok, rehash := h.Verify(tt.hash, pw)
			assert.True(t, ok)
			assert.Equal(t, tt.wantRehash, rehash)
			ok, rehash = h.Verify(tt.hash, "the wrong password")
			assert.False(t, ok)
			assert.False(t, rehash, "a failed check never asks for a rehash")
		})
	}
}

func TestVerifyMalformedHashes(t *testing.T) {
	t.Parallel()
	h := password.New(password.ForTests)
	good, err := h.Hash("secret-password")
	require.NoError(t, err)
	ok, _ := h.Verify(good, "secret-password")
	require.True(t, ok)
	fields := strings.Split(good, "$") // "", "argon2id", "v=19", "m=8,t=1,p=1", salt, key
	salt, key := fields[4], fields[5]
	with := func(params, s, k string) string { return "$argon2id$v=19$" + params + "$" + s + "$" + k }
	for _, hash := range []string{
		"",
		"secret-password",
		"$argon2id$",
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "$v=19", "", 1),
		good + "$",
		good[:len(good)-1] + "!",
		with("m=8,t=1", salt, key),
		with("m=8,t=1,p=1,x=1", salt, key),
		with("t=1,m=8,p=1", salt, key),
		with("m=0,t=1,p=1", salt, key),
		with("m=8,t=0,p=1", salt, key),
		with("m=8,t=1,p=0", salt, key),
		with("m=8,t=1,p=256", salt, key),
		with("m=08,t=1,p=1", salt, key),
		with("m=+8,t=1,p=1", salt, key),
		with("m=-8,t=1,p=1", salt, key),
		with("m=4294967296,t=1,p=1", salt, key),
		with("m=4194305,t=1,p=1", salt, key),
		with("m=8,t=65,p=1", salt, key),
		with("m=8,t=1,p=1", salt+"==", key),
		with("m=8,t=1,p=1", "c2FsdA", key),
		with("m=8,t=1,p=1", salt, "c2hvcnRrZXk"),
		with("m=8,t=1,p=1", salt, ""),
		"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"pbkdf2_sha256$600000$salt$hash",
	} {
		assert.NotPanics(t, func() {
			ok, rehash := h.Verify(hash, "secret-password")
			assert.False(t, ok, "Verify(%q)", hash)
			assert.False(t, rehash, "Verify(%q)", hash)
		})
	}
}

func TestLongPasswords(t *testing.T) {
	t.Parallel()
	h := password.New(password.ForTests)

	// No truncation: passwords that differ only past any usual cut-off (72 bytes for bcrypt)
	// do not match, up to the limit itself.
	longest := strings.Repeat("p", password.MaxPasswordBytes-1)
	hash, err := h.Hash(longest + "a")
	require.NoError(t, err)
	ok, _ := h.Verify(hash, longest+"a")
	assert.True(t, ok)
	ok, _ = h.Verify(hash, longest+"b")
	assert.False(t, ok)

	_, err = h.Hash(longest + "ab")
	assert.ErrorContains(t, err, "longer than 1024 bytes")
}

// allocated returns how many bytes f allocates. Tests that use it do not run in parallel, so
// that nothing else allocates meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Over the limit Verify fails without hashing: even the right password of a hash made outside
// the Hasher does not match, and a megabyte costs nothing (not even a copy of it).
func TestVerifyRefusesOverLongPasswordsCheaply(t *testing.T) {
	h := password.New(password.Params{Memory: 1024, Time: 1})
	tooLong := strings.Repeat("m", 1<<20)
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(tooLong), salt, 1, 1024, 1, 32)
	b64 := base64.RawStdEncoding
	overLong := "$argon2id$v=19$m=1024,t=1,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	var ok bool
	n := allocated(func() { ok, _ = h.Verify(overLong, tooLong) })
	assert.False(t, ok)
	assert.Less(t, n, uint64(64<<10), "Verify allocated %d bytes", n)
}

// A wrong password costs a full key derivation, like the right one, wherever it differs, so
// the time of a check tells nothing about how close a guess was. The cost is measured as the
// memory allocated, which argon2id sets and which, unlike time, a busy machine does not blur.
func TestVerifyCostsTheSameForWrongPasswords(t *testing.T) {
	h := password.New(password.Params{Memory: 1024, Time: 1})
	const pw = "correct horse battery staple"
	hash, err := h.Hash(pw)
	require.NoError(t, err)
	var ok bool
	right := allocated(func() { ok, _ = h.Verify(hash, pw) })
	require.True(t, ok)
	require.GreaterOrEqual(t, right, uint64(1024<<10), "a check fills the argon2 memory")
	for _, guess := range []string{"x" + pw[1:], pw[:len(pw)-1] + "x", "", "short", pw + pw} {
		wrong := allocated(func() { ok, _ = h.Verify(hash, guess) })
		assert.False(t, ok)
		assert.InDelta(t, float64(right), float64(wrong), float64(right)/100, "guess %q", guess)
	}
}

// A hash's memory is collected as soon as it is done, so that a burst of logins does not grow
// the heap by the memory of each hash (see crm.Hashing for how many run at once).
func TestHashMemoryIsCollectedAtOnce(t *testing.T) {
	h := password.New(password.Recommended)
	hash, err := h.Hash("a-passphrase-to-check")
	require.NoError(t, err)
	for name, f := range map[string]func(){
		"Hash":   func() { _, _ = h.Hash("a-passphrase-to-check") },
		"Verify": func() { h.Verify(hash, "a-passphrase-to-check") },
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		assert.Less(t, grown, int64(4<<20), "%s left %d bytes on the heap (argon2id used 12 MiB)", name, grown)
	}
}
