package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"sync"

	"github.com/epicevents/epiccrm/adapters/password/internal/pycompat"
)

// commonPasswordsGz is Django's list of common passwords,
// django/contrib/auth/common-passwords.txt.gz, copied unchanged from Debian's python3-django
// package (3:3.2.25-0+deb12u7, /usr/lib/python3/dist-packages/django/contrib/auth/). Django
// describes it as "20000 common passwords (lowercased and deduplicated), created by Royce
// Williams" (https://gist.github.com/roycewilliams/281ce539915a947a23db17137d91aeb7); after
// deduplication it holds 19,727 entries. Django is BSD-licensed.
//
//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswords returns the set of common passwords, decompressed on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("password: the embedded common password list is corrupt: " + err.Error())
	}
	set := make(map[string]struct{}, 20000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		set[pycompat.Strip(sc.Text())] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		panic("password: the embedded common password list is corrupt: " + err.Error())
	}
	return set
})

// isCommon reports whether password is on the list, compared as Django does: lowercased and
// stripped of surrounding whitespace.
func isCommon(password string) bool {
	_, ok := commonPasswords()[pycompat.Strip(pycompat.Lower(password))]
	return ok
}
