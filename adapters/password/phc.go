package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The PHC string format of an argon2id hash:
//
//	$argon2id$v=19$m=12288,t=3,p=1$<salt>$<key>
//
// with the salt and key in unpadded standard base64, as the reference implementation,
// libsodium and Python's argon2-cffi write it.
const phcPrefix = "$argon2id$"

var b64 = base64.RawStdEncoding.Strict()

// encodePHC writes a hash in the PHC string format.
func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", phcPrefix, argon2.Version,
		p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// errMalformed is returned for any hash that is not a well-formed argon2id PHC string with
// parameters in the supported range.
var errMalformed = errors.New("not an argon2id hash in PHC format with supported parameters")

// decodePHC parses a hash in the PHC string format. It accepts exactly what encodePHC writes
// (version 19, parameters in the order m, t, p), with parameters within the supported limits.
func decodePHC(s string) (Params, []byte, []byte, error) {
	rest, ok := strings.CutPrefix(s, phcPrefix)
	if !ok {
		return Params{}, nil, nil, errMalformed
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 4 || fields[0] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, errMalformed
	}
	pairs := strings.Split(fields[1], ",")
	if len(pairs) != 3 {
		return Params{}, nil, nil, errMalformed
	}
	m, okM := numParam(pairs[0], "m=")
	t, okT := numParam(pairs[1], "t=")
	threads, okP := numParam(pairs[2], "p=")
	if !okM || !okT || !okP || threads > 255 {
		return Params{}, nil, nil, errMalformed
	}
	salt, err1 := b64.DecodeString(fields[2])
	key, err2 := b64.DecodeString(fields[3])
	if err1 != nil || err2 != nil {
		return Params{}, nil, nil, errMalformed
	}
	p := Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(threads),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if p.check() != nil {
		return Params{}, nil, nil, errMalformed
	}
	return p, salt, key, nil
}

// numParam returns the value of a "name=value" pair whose value is a decimal number below 2^32
// written without a sign or leading zero.
func numParam(pair, name string) (uint64, bool) {
	v, ok := strings.CutPrefix(pair, name)
	if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	return n, err == nil
}
