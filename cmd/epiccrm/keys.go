package main

import (
	"context"
	"fmt"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/adapters/jwtauth"
)

// cmdKeys manages the token signing keys kept in the database: rotate makes a new one current.
func cmdKeys(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("keys rotate --key-encryption-key KEK",
		"rotate: make a new token signing key current for every process serving the database (started with\n"+
			"--key-encryption-key). Tokens signed by the previous key keep working until they expire; the\n"+
			"processes sign with the new key within 30 s, and accept its tokens at once. No restart is needed.", e.stderr)
	var db dbFlags
	db.register(fs)
	kek := fs.String("key-encryption-key", "", "the key that seals the signing keys in the database (base64 of 32 bytes), "+
		"the one the servers use (required; prefer the environment variable)")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "rotate" {
		return usageError{"give the keys command: rotate"}
	}
	if *kek == "" {
		return usageError{"--key-encryption-key (or EPICCRM_KEY_ENCRYPTION_KEY) is required: the key the servers seal their signing keys with"}
	}
	if _, err := jwtauth.ParseKEK(*kek); err != nil {
		return usageError{fmt.Sprintf("--key-encryption-key: %v", err)}
	}
	st, err := openDatabase(ctx, db.url)
	if err != nil {
		return err
	}
	defer st.Close()
	kid, err := epiccrm.RotateSigningKey(ctx, st, *kek)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "signing key %s is now current; the previous key keeps verifying the tokens it signed until they "+
		"expire, and the servers sign with the new key within %s\n", kid, jwtauth.DefaultKeyRefresh)
	return nil
}
