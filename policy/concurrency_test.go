package policy_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/policy"
)

// TestScopesConcurrently calls Scopes from 32 goroutines at once, each also changing the slices
// it gets back, and checks every answer; run with -race to catch shared state.
func TestScopesConcurrently(t *testing.T) {
	t.Parallel()
	p, err := policy.Default()
	require.NoError(t, err)
	triples := everyTriple()
	want := make([][]crm.Scope, len(triples))
	for i, tc := range triples {
		want[i] = p.Scopes(tc.role, tc.res, tc.act)
	}
	const goroutines, rounds = 32, 50
	wrong := make([]int, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				for i := range triples {
					tc := triples[(i+g+r)%len(triples)]
					got := p.Scopes(tc.role, tc.res, tc.act)
					if !equalScopes(got, want[(i+g+r)%len(triples)]) {
						wrong[g]++
					}
					if len(got) > 0 {
						got[0] = crm.ScopeSelf // the caller owns the slice
					}
				}
				_ = p.Matrix()
			}
		}()
	}
	wg.Wait()
	for g, n := range wrong {
		assert.Zero(t, n, "goroutine %d got %d wrong answers", g, n)
	}
	assert.Equal(t, scopes(crm.ScopeOwn), p.Scopes(crm.RoleSales, crm.ResourceClient, crm.ActionRead))
}

func equalScopes(a, b []crm.Scope) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkScopes measures one Scopes call, as the CRM makes several per request.
func BenchmarkScopes(b *testing.B) {
	p, err := policy.Default()
	require.NoError(b, err)
	qs := []triple{
		{crm.RoleSales, crm.ResourceClient, crm.ActionRead},
		{crm.RoleSupport, crm.ResourceEvent, crm.ActionUpdate},
		{crm.RoleManagement, crm.ResourceAudit, crm.ActionRead},
		{crm.RoleSupport, crm.ResourceUser, crm.ActionDelete}, // refused: no scopes
	}
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		q := qs[i%len(qs)]
		n += len(p.Scopes(q.role, q.res, q.act))
	}
	require.Positive(b, n)
}

// BenchmarkScopesParallel measures Scopes under concurrent use, as a busy server makes it.
func BenchmarkScopesParallel(b *testing.B) {
	p, err := policy.Default()
	require.NoError(b, err)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if len(p.Scopes(crm.RoleSales, crm.ResourceContract, crm.ActionSign)) != 1 {
				b.Error("sales sign their own contracts")
			}
		}
	})
}

// BenchmarkParseDefault measures loading the built-in policy, which the server does once.
func BenchmarkParseDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := policy.Parse("bench", []byte(policy.DefaultCSV)); err != nil {
			b.Fatal(err)
		}
	}
}
