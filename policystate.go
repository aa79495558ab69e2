package epiccrm

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/epicevents/epiccrm/adapters/sqlstore"
)

// Settings of the policy agreement between processes.
const (
	// DefaultPolicyCheck is how often a process compares its policy with the one most recently
	// recorded in the database when Config.PolicyCheck is 0.
	DefaultPolicyCheck = 30 * time.Second
	// policyStateRetention is how long the records of the policies in force are kept.
	policyStateRetention = 30 * 24 * time.Hour
	// policyPoll is how often the policy in force is looked at, to record a reload.
	policyPoll = time.Second
)

// policyStateStore is the part of a Store that records the policy each process enforces (the
// policy_state table): *sqlite.Store and *postgres.Store have it.
type policyStateStore interface {
	RecordPolicy(ctx context.Context, r sqlstore.PolicyRecord, forgetBefore time.Time) error
	LatestPolicy(ctx context.Context) (*sqlstore.PolicyRecord, error)
}

// fingerprinter is an Authorizer that names its policy (policy.Live, policy.Policy).
type fingerprinter interface{ Fingerprint() string }

// policySync records the policy this process enforces in the database, at start and after each
// reload, and warns while it differs from the one most recently recorded by any process.
type policySync struct {
	app   *App
	db    policyStateStore
	fp    fingerprinter
	host  string
	pid   int64
	stop  context.CancelFunc
	wg    sync.WaitGroup
	every time.Duration
}

// startPolicySync records the App's policy and starts following it. With Config.PolicyMustMatch
// it refuses to start when the policy differs from the one most recently recorded. It does
// nothing when the Authorizer names no policy or the store records none.
func (a *App) startPolicySync(ctx context.Context, authz any) error {
	fp, ok := authz.(fingerprinter)
	db, ok2 := a.store.(policyStateStore)
	if !ok || !ok2 {
		if a.cfg.PolicyMustMatch {
			return fmt.Errorf("epiccrm.Config.PolicyMustMatch: the policy (%T) or the store (%T) records no fingerprint", authz, a.store)
		}
		return nil
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	s := &policySync{app: a, db: db, fp: fp, host: host, pid: int64(os.Getpid()), every: a.cfg.PolicyCheck}
	if s.every == 0 {
		s.every = DefaultPolicyCheck
	}
	mine := fp.Fingerprint()
	latest, err := db.LatestPolicy(ctx)
	if err != nil {
		return fmt.Errorf("epiccrm: reading the policy recorded by the other processes: %w", err)
	}
	if latest != nil && latest.Fingerprint != mine {
		if a.cfg.PolicyMustMatch {
			return fmt.Errorf("epiccrm: refusing to start: this process's policy (fingerprint %s) differs from the one "+
				"%s recorded at %s (fingerprint %s); deploy the same policy file to every process (check it with "+
				"'epiccrm policy check FILE', which prints its fingerprint), or start without --policy-must-match",
				mine, describeRecord(latest), latest.RecordedAt.Format(time.RFC3339), latest.Fingerprint)
		}
		s.warn(mine, latest)
	}
	if err := s.record(ctx, mine); err != nil {
		return err
	}
	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	s.wg.Add(1)
	go s.loop(loopCtx, mine)
	a.policySync = s
	return nil
}

// describeRecord names the process of a record.
func describeRecord(r *sqlstore.PolicyRecord) string {
	return fmt.Sprintf("process %d on %s", r.PID, r.Host)
}

// record records fingerprint as the policy this process enforces from now on.
func (s *policySync) record(ctx context.Context, fingerprint string) error {
	now := s.app.now()
	err := s.db.RecordPolicy(ctx, sqlstore.PolicyRecord{Fingerprint: fingerprint, RecordedAt: now, Host: s.host, PID: s.pid},
		now.Add(-policyStateRetention))
	if err != nil {
		return fmt.Errorf("epiccrm: recording the policy in force in the database: %w", err)
	}
	return nil
}

// warn logs that the policy in force differs from the one most recently recorded.
func (s *policySync) warn(mine string, latest *sqlstore.PolicyRecord) {
	s.app.log.Warn("POLICY MISMATCH: this process enforces another permission policy than the one most recently "+
		"recorded by the processes on this database; deploy the same policy file everywhere",
		"policy_fingerprint", mine, "recorded_fingerprint", latest.Fingerprint, "recorded_by_host", latest.Host,
		"recorded_by_pid", latest.PID, "recorded_at", latest.RecordedAt.Format(time.RFC3339))
}

// loop records each reload of the policy and compares it with the recorded one every period,
// until stopped.
func (s *policySync) loop(ctx context.Context, recorded string) {
	defer s.wg.Done()
	poll := min(policyPoll, s.every)
	t := time.NewTicker(poll)
	defer t.Stop()
	var since time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		since += poll
		mine := s.fp.Fingerprint()
		if mine != recorded {
			if err := s.record(ctx, mine); err != nil {
				s.app.log.Error("policy reloaded, but recording it in the database failed; retrying", "error", err.Error())
			} else {
				recorded = mine
			}
		}
		if since < s.every {
			continue
		}
		since = 0
		latest, err := s.db.LatestPolicy(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.app.log.Error("cannot read the policy recorded by the other processes", "error", err.Error())
			}
			continue
		}
		if latest != nil && latest.Fingerprint != mine {
			s.warn(mine, latest)
		}
	}
}

// close stops following the policy.
func (s *policySync) close() {
	s.stop()
	s.wg.Wait()
}
