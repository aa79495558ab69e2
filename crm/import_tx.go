package crm

import "context"

// TxStores are the store ports bound to one transaction (see Transactor).
type TxStores struct {
	Users     UserStore
	Clients   ClientStore
	Contracts ContractStore
	Events    EventStore
	Audit     AuditStore
}

// Transactor runs several writes in one transaction, for an import that applies a whole file
// or nothing.
type Transactor interface {
	// InTx calls fn with stores whose reads and writes all run in one transaction, and commits
	// it when fn returns nil. When fn returns an error (or panics) nothing written through the
	// stores is kept, and InTx returns fn's error unchanged. Each write method of the stores is
	// a savepoint of that transaction: a write that fails (a rule refusing it, a conflict)
	// undoes only its own statements, so fn can go on and report every failure. The stores must
	// not be used after fn returns, nor by several goroutines at once.
	InTx(ctx context.Context, fn func(TxStores) error) error
}

// withStores returns a Service like s whose stores are st: the same rules, policy and clock,
// reading and writing in st's transaction.
func (s *Service) withStores(st TxStores) *Service {
	return &Service{
		users: st.Users, clients: st.Clients, contracts: st.Contracts, events: st.Events, audit: st.Audit,
		throttle: s.throttle, authz: s.authz, passwords: s.passwords, now: s.now, throttling: s.throttling,
		gates: s.gates, hashing: s.hashing, hashSlots: s.hashSlots, importRows: s.importRows,
	}
}
