package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	profile := flag.String("profile", "long", "short (about a minute, what the test runs) or long")
	keep := flag.Bool("keep", false, "keep the run's directory (logs, PostgreSQL data) instead of deleting it")
	flag.Parse()
	p := Long
	switch *profile {
	case "long":
	case "short":
		p = Short
	default:
		fmt.Fprintf(os.Stderr, "cluster: -profile %q: give short or long\n", *profile)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, p, *keep)
	stop()
	os.Exit(code)
}

// run runs the proof and prints its report; it returns the exit code.
func run(ctx context.Context, p Profile, keep bool) int {
	repo, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "epiccrm-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	start := time.Now()
	fmt.Printf("epiccrm cluster proof, %s, %d workers, run directory %s\n", start.UTC().Format("2006-01-02 15:04 MST"), p.Workers, dir)
	r, err := Run(ctx, repo, dir, p, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	fmt.Printf("\nfinished in %s\n\n", time.Since(start).Round(time.Second))
	r.Print(os.Stdout)
	if problems := r.Problems(); len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "\nFAILED: "+strings.Join(problems, "; "))
		return 1
	}
	fmt.Println("\nOK: no acknowledged write lost or doubled, every token and session survived")
	return 0
}

// repoRoot returns the directory of the module's go.mod.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run this inside the epiccrm module")
	}
	return filepath.Dir(mod), nil
}
