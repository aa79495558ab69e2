// Package storetest is the contract test suite of the crm store ports. Every store adapter (the
// SQLite and PostgreSQL stores, and any other) runs it from its own tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store { return sqlitetest.New(t) })
//	}
//
// The suite checks what the doc comments of the ports promise and what the domain relies on:
// CRUD of every resource, every filter, the visibility scopes on lists, counts and gets alike,
// keyset pagination, conflicts, transactions that write all or nothing, concurrent updates, refresh
// token rotation, sessions and login throttling.
package storetest

import (
	"testing"

	"github.com/epicevents/epiccrm/crm"
)

// Store is every store port a CRM database implements.
type Store interface {
	crm.UserStore
	crm.ClientStore
	crm.ContractStore
	crm.EventStore
	crm.AuditStore
	crm.ChangeLog
	crm.LoginThrottle
	crm.RefreshTokenStore
	crm.SessionStore
	crm.PreferenceStore
	crm.Transactor
	crm.IdempotencyStore
}

// Run runs the whole suite against the stores newStore makes. Each test calls newStore once
// and must get a fresh, empty, migrated store of its own, so that the tests can run in
// parallel; newStore should arrange its cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	run(t, newStore, suite)
}

// lists are the tests of the suite that read lists: filters, searches, scopes and pages.
var lists = map[string]bool{"UserFilters": true, "ClientFilters": true, "Search": true, "ScopedSearchPages": true, "ScopedSearchAfterWrites": true, "OwnerSearchFollowsReassignment": true, "EventOwnerSearchFollowsReassignment": true, "ContractFilters": true,
	"EventFilters": true, "ScopeUsers": true, "ScopeClients": true, "ScopeContracts": true, "ScopeEvents": true,
	"Counts": true, "Pagination": true, "PaginationEqualKeys": true, "BadCursor": true}

// RunLists runs the tests of the suite that read lists (filters, searches, scopes, pagination),
// for a store set to build its lists another way, such as with another search window.
func RunLists(t *testing.T, newStore func(t *testing.T) Store) {
	var tests []test
	for _, tc := range suite {
		if lists[tc.name] {
			tests = append(tests, tc)
		}
	}
	if len(tests) != len(lists) {
		t.Fatalf("storetest: %d of the %d list tests are in the suite: a test was renamed without its entry in lists", len(tests), len(lists))
	}
	run(t, newStore, tests)
}

// test is one test of the suite.
type test struct {
	name string
	run  func(t *testing.T, f *fixture)
}

// suite is the whole suite, in order.
var suite = []test{
	{"UserCRUD", testUserCRUD},
	{"RecordLogin", testRecordLogin},
	{"UserUnique", testUserUnique},
	{"UserFilters", testUserFilters},
	{"UserVisibility", testUserVisibility},
	{"UserDeleteReferenced", testUserDeleteReferenced},
	{"UserDeleteCascadesCredentials", testUserDeleteCascadesCredentials},
	{"ClientCRUD", testClientCRUD},
	{"ClientFilters", testClientFilters},
	{"Search", testSearch},
	{"ScopedSearchPages", testScopedSearchPages},
	{"ScopedSearchAfterWrites", testScopedSearchAfterWrites},
	{"OwnerSearchFollowsReassignment", testOwnerSearchFollowsReassignment},
	{"EventOwnerSearchFollowsReassignment", testEventOwnerSearchFollowsReassignment},
	{"ContractSearchFollowsClient", testContractSearchFollowsClient},
	{"ContractAndClientWritesDoNotDeadlock", testContractAndClientWritesDoNotDeadlock},
	{"ClientVisibility", testClientVisibility},
	{"ClientDeleteReferenced", testClientDeleteReferenced},
	{"ContractCRUD", testContractCRUD},
	{"ContractMoney", testContractMoney},
	{"ContractFilters", testContractFilters},
	{"ContractVisibility", testContractVisibility},
	{"FindMany", testFindMany},
	{"FindContacts", testFindContacts},
	{"ContractUpdateWritesClient", testContractUpdateWritesClient},
	{"ContractUpdateTellsSign", testContractUpdateTellsSign},
	{"ContractDeleteReferenced", testContractDeleteReferenced},
	{"EventCRUD", testEventCRUD},
	{"EventFollowsContract", testEventFollowsContract},
	{"EventFilters", testEventFilters},
	{"EventVisibility", testEventVisibility},
	{"ScopeUsers", testScopeUsers},
	{"ScopeClients", testScopeClients},
	{"ScopeContracts", testScopeContracts},
	{"ScopeEvents", testScopeEvents},
	{"TimesRoundTrip", testTimesRoundTrip},
	{"Counts", testCounts},
	{"Pagination", testPagination},
	{"PaginationEqualKeys", testPaginationEqualKeys},
	{"BadCursor", testBadCursor},
	{"FailedWriteWritesNothing", testFailedWriteWritesNothing},
	{"FailedCreateWritesNothing", testFailedCreateWritesNothing},
	{"WriteOutsideVisibility", testWriteOutsideVisibility},
	{"WriteOutsideWriteScope", testWriteOutsideWriteScope},
	{"ConcurrentUpdates", testConcurrentUpdates},
	{"UpdateDuringRefusedDelete", testUpdateDuringRefusedDelete},
	{"Audit", testAudit},
	{"TxAllOrNothing", testTxAllOrNothing},
	{"TxChangesAndClaim", testTxChangesAndClaim},
	{"TxUsers", testTxUsers},
	{"ChangeLog", testChangeLog},
	{"FailedWriteWritesNoChange", testFailedWriteWritesNoChange},
	{"ChangeOrder", testChangeOrder},
	{"RefreshTokenRotation", testRefreshTokenRotation},
	{"RefreshTokenConcurrentUse", testRefreshTokenConcurrentUse},
	{"Sessions", testSessions},
	{"Preferences", testPreferences},
	{"HeldCredentials", testHeldCredentials},
	{"LoginThrottle", testLoginThrottle},
	{"LoginThrottleStale", testLoginThrottleStale},
	{"LoginThrottleConcurrentReservations", testLoginThrottleConcurrentReservations},
	{"LoginThrottleConcurrentGuesses", testLoginThrottleConcurrentGuesses},
	{"LoginThrottleConcurrentLogins", testLoginThrottleConcurrentLogins},
	{"IdempotencyKeys", testIdempotencyKeys},
	{"IdempotencyLease", testIdempotencyLease},
}

// run runs tests in parallel, each on a store of its own.
func run(t *testing.T, newStore func(t *testing.T) Store, tests []test) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newFixture(t, newStore(t)))
		})
	}
}
