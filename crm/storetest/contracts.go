package storetest

import (
	"testing"
	"time"

	"github.com/epicevents/epiccrm/crm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testContractCRUD(t *testing.T, f *fixture) {
	sales := f.user(crm.RoleSales)
	other := f.user(crm.RoleSales)
	c := f.client(&sales.ID)
	due := crm.Date{Year: 2027, Month: time.February, Day: 28}
	k := f.contract(c, func(k *crm.Contract) {
		k.Status, k.SignedAt, k.PaymentDue, k.Amount, k.AmountDue = crm.ContractOpen, nil, &due, 250075, 250075
	})
	require.NotZero(t, k.ID)
	assert.Equal(t, int64(1), k.Version)
	got, err := f.s.FindContract(f.ctx, k.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, k, got)
	require.NotNil(t, got.PaymentDue)
	assert.Equal(t, "2027-02-28", got.PaymentDue.String())

	signed := f.now.Add(time.Hour)
	updated, err := f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, _ *crm.Client, _ bool) (crm.ContractChange, error) {
		k.Status, k.SignedAt, k.AmountDue, k.PaymentDue, k.SalesContactID, k.DateUpdated = crm.ContractSigned, &signed, 0, nil, &other.ID, signed
		return crm.ContractChange{}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), updated.Version)
	got, err = f.s.FindContract(f.ctx, k.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, updated, got)
	assert.Equal(t, crm.ContractSigned, got.Status)
	require.NotNil(t, got.SignedAt)
	assert.Equal(t, signed, *got.SignedAt)
	assert.Equal(t, crm.Money(0), got.AmountDue)
	assert.Nil(t, got.PaymentDue)
	assert.Equal(t, &other.ID, got.SalesContactID)
	assert.Equal(t, c.ID, got.ClientID)

	require.NoError(t, f.s.DeleteContract(f.ctx, k.ID, crm.EveryWrite, keep[*crm.Contract]))
	_, err = f.s.FindContract(f.ctx, k.ID, crm.Everything)
	assertCode(t, crm.ENOTFOUND, err)
}

func testContractMoney(t *testing.T, f *fixture) {
	c := f.client(nil)
	for _, tc := range []struct {
		name        string
		amount, due crm.Money
	}{
		{"the largest amount", crm.MaxMoney, 1},
		{"one cent", 1, 1},
		{"zero", 0, 0},
		{"cents that floats get wrong", 1_000_000_000_001, 999_999_999_999},
	} {
		k := f.contract(c, func(k *crm.Contract) { k.Amount, k.AmountDue = tc.amount, tc.due })
		got, err := f.s.FindContract(f.ctx, k.ID, crm.Everything)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.amount, got.Amount, tc.name)
		assert.Equal(t, tc.due, got.AmountDue, tc.name)
		list, _, err := f.s.ListContracts(f.ctx, crm.ContractFilter{Amount: &tc.amount, ClientID: &c.ID}, crm.FullAccess)
		require.NoError(t, err, tc.name)
		assert.Equal(t, []int64{k.ID}, ids(list, contractID), "%s: an amount filter matches it exactly", tc.name)
	}
}

func testContractFilters(t *testing.T, f *fixture) {
	s1 := f.user(crm.RoleSales)
	s2 := f.user(crm.RoleSales)
	kevin := f.client(&s1.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company = "Kevin", "Casey", "kevin@startup.io", "Nimbus Labs"
	})
	john := f.client(&s2.ID, func(c *crm.Client) {
		c.FirstName, c.LastName, c.Email, c.Company = "John", "Ouick", "john@bigcorp.com", "Big_Corp"
	})
	day := time.Date(2026, time.May, 10, 0, 0, 0, 0, time.UTC)
	created := func(at time.Time) func(*crm.Contract) {
		return func(k *crm.Contract) { k.DateCreated, k.DateUpdated = at, at }
	}
	small := f.contract(kevin, created(day.Add(-time.Microsecond)), func(k *crm.Contract) { k.Amount, k.AmountDue = 10000, 0 })
	medium := f.contract(kevin, created(day), func(k *crm.Contract) {
		k.Amount, k.AmountDue, k.Status, k.SignedAt = 50000, 50000, crm.ContractOpen, nil
	})
	large := f.contract(john, created(day.Add(24*time.Hour-time.Microsecond)), func(k *crm.Contract) { k.Amount, k.AmountDue = 90000, 1 })
	after := f.contract(john, created(day.Add(24*time.Hour)), func(k *crm.Contract) { k.Amount, k.AmountDue = 90000, 0 })
	amount := func(m crm.Money) *crm.Money { return &m }
	onDay := crm.DateOf(day)
	for _, tc := range []struct {
		name   string
		filter crm.ContractFilter
		want   []*crm.Contract
	}{
		{"no filter", crm.ContractFilter{}, []*crm.Contract{small, medium, large, after}},
		{"client", crm.ContractFilter{ClientID: &john.ID}, []*crm.Contract{large, after}},
		{"client first name", crm.ContractFilter{ClientFirstName: "KEV"}, []*crm.Contract{small, medium}},
		{"client last name", crm.ContractFilter{ClientLastName: "uic"}, []*crm.Contract{large, after}},
		{"client email", crm.ContractFilter{ClientEmail: "BigCorp"}, []*crm.Contract{large, after}},
		{"client filters are and-ed", crm.ContractFilter{ClientFirstName: "kevin", ClientEmail: "bigcorp"}, nil},
		{"q on the client's first name", crm.ContractFilter{Q: "KEV"}, []*crm.Contract{small, medium}},
		{"q on the client's last name", crm.ContractFilter{Q: "ouic"}, []*crm.Contract{large, after}},
		{"q on the client's email", crm.ContractFilter{Q: "BigCorp.COM"}, []*crm.Contract{large, after}},
		{"q on the client's company", crm.ContractFilter{Q: "nimbus"}, []*crm.Contract{small, medium}},
		{"q: underscore is no wildcard", crm.ContractFilter{Q: "_"}, []*crm.Contract{large, after}},
		{"q and client filters are and-ed", crm.ContractFilter{Q: "kevin", ClientEmail: "bigcorp"}, nil},
		{"q and other filters are and-ed", crm.ContractFilter{Q: "labs", Status: crm.ContractOpen}, []*crm.Contract{medium}},
		{"sales contact", crm.ContractFilter{SalesContactID: &s1.ID}, []*crm.Contract{small, medium}},
		{"amount", crm.ContractFilter{Amount: amount(90000)}, []*crm.Contract{large, after}},
		{"amount min, inclusive", crm.ContractFilter{AmountMin: amount(50000)}, []*crm.Contract{medium, large, after}},
		{"amount max, inclusive", crm.ContractFilter{AmountMax: amount(50000)}, []*crm.Contract{small, medium}},
		{"amount range", crm.ContractFilter{AmountMin: amount(10001), AmountMax: amount(89999)}, []*crm.Contract{medium}},
		{"created on a day (UTC)", crm.ContractFilter{DateCreated: &onDay}, []*crm.Contract{medium, large}},
		{"status", crm.ContractFilter{Status: crm.ContractOpen}, []*crm.Contract{medium}},
		{"unpaid", crm.ContractFilter{Unpaid: true}, []*crm.Contract{medium, large}},
		{"combined", crm.ContractFilter{Unpaid: true, ClientID: &kevin.ID}, []*crm.Contract{medium}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := f.s.ListContracts(f.ctx, tc.filter, crm.FullAccess)
			require.NoError(t, err)
			assert.Empty(t, next)
			assert.Equal(t, ids(tc.want, contractID), ids(got, contractID))
		})
	}
}

func testContractVisibility(t *testing.T, f *fixture) {
	s1 := f.user(crm.RoleSales)
	s2 := f.user(crm.RoleSales)
	p1 := f.user(crm.RoleSupport)
	c1 := f.client(&s1.ID)
	c2 := f.client(&s2.ID)
	mine := f.contract(c1)
	// A contract's own sales contact decides, not its client's.
	handedOver := f.contract(c1, func(k *crm.Contract) { k.SalesContactID = &s2.ID })
	assigned := f.contract(c2)
	f.event(assigned, &p1.ID)
	f.event(assigned, &p1.ID)
	other := f.contract(c2)
	f.event(other, nil)
	all := []*crm.Contract{mine, handedOver, assigned, other}
	for _, tc := range []struct {
		name string
		vis  crm.Visibility
		want []*crm.Contract
	}{
		{"any", crm.Everything, all},
		{"own", crm.Visibility{OwnerID: &s1.ID}, []*crm.Contract{mine}},
		{"assigned through an event, once", crm.Visibility{SupportID: &p1.ID}, []*crm.Contract{assigned}},
		{"own or assigned", crm.Visibility{OwnerID: &s2.ID, SupportID: &p1.ID}, []*crm.Contract{handedOver, assigned, other}},
		{"nothing", crm.Visibility{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := f.s.ListContracts(f.ctx, crm.ContractFilter{}, uniform(tc.vis))
			require.NoError(t, err)
			assert.Equal(t, ids(tc.want, contractID), ids(got, contractID))
			for _, k := range all {
				_, err := f.s.FindContract(f.ctx, k.ID, tc.vis)
				if containsID(tc.want, k.ID, contractID) {
					assert.NoError(t, err, "a listed contract can be read")
				} else {
					assertCode(t, crm.ENOTFOUND, err, "an unlisted contract cannot be read")
				}
			}
		})
	}
}

func testContractUpdateWritesClient(t *testing.T, f *fixture) {
	c := f.client(nil)
	k := f.contract(c, func(k *crm.Contract) { k.Status, k.SignedAt = crm.ContractOpen, nil })

	_, err := f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, cl *crm.Client, _ bool) (crm.ContractChange, error) {
		assert.Equal(t, c, cl, "fn gets the contract's client")
		k.AmountDue = 1000
		cl.Company = "Not said to be changed"
		return crm.ContractChange{}, nil
	})
	require.NoError(t, err)
	got, err := f.s.FindClient(f.ctx, c.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, c, got, "a client fn does not say it changed is not written")

	signed := f.now.Add(time.Hour)
	updated, err := f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, crm.Everything, func(k *crm.Contract, cl *crm.Client, _ bool) (crm.ContractChange, error) {
		k.Status, k.SignedAt = crm.ContractSigned, &signed
		cl.Status, cl.DateUpdated = crm.ClientExisting, signed
		return crm.ContractChange{ClientChanged: true, Audit: []crm.AuditEntry{
			f.entry(crm.ActionSign, crm.ResourceContract, k.ID, nil),
			f.entry(crm.ActionUpdate, crm.ResourceClient, cl.ID, nil),
		}}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, int64(3), updated.Version)
	got, err = f.s.FindClient(f.ctx, c.ID, crm.Everything)
	require.NoError(t, err)
	assert.Equal(t, crm.ClientExisting, got.Status, "the client's change was written")
	assert.Equal(t, signed, got.DateUpdated)
	assert.Equal(t, c.Version+1, got.Version)
	audit := f.audit()
	require.GreaterOrEqual(t, len(audit), 2)
	last := audit[len(audit)-2:]
	assert.Equal(t, []crm.Resource{crm.ResourceContract, crm.ResourceClient}, []crm.Resource{last[0].Resource, last[1].Resource})
	assert.Equal(t, []int64{k.ID, c.ID}, []int64{last[0].ResourceID, last[1].ResourceID})
}

// testContractUpdateTellsSign checks that the update function learns, from the locked read,
// whether the contract is within the sign scope the store was given.
func testContractUpdateTellsSign(t *testing.T, f *fixture) {
	owner, other := f.user(crm.RoleSales), f.user(crm.RoleSales)
	k := f.contract(f.client(&owner.ID), func(k *crm.Contract) { k.SalesContactID = &owner.ID })
	for _, tc := range []struct {
		sign crm.Visibility
		want bool
	}{
		{crm.Everything, true}, {crm.Visibility{OwnerID: &owner.ID}, true},
		{crm.Visibility{OwnerID: &other.ID}, false}, {crm.Visibility{}, false},
	} {
		var got *bool
		_, err := f.s.UpdateContract(f.ctx, k.ID, crm.EveryWrite, tc.sign, func(_ *crm.Contract, _ *crm.Client, maySign bool) (crm.ContractChange, error) {
			got = &maySign
			return crm.ContractChange{}, errRefused
		})
		assert.Same(t, errRefused, err)
		require.NotNil(t, got, "fn was called")
		assert.Equal(t, tc.want, *got, "maySign for sign scope %+v", tc.sign)
	}
}

func testContractDeleteReferenced(t *testing.T, f *fixture) {
	k := f.contract(f.client(nil))
	f.event(k, nil)
	before := len(f.audit())
	err := f.s.DeleteContract(f.ctx, k.ID, crm.EveryWrite, func(k *crm.Contract) ([]crm.AuditEntry, error) {
		return []crm.AuditEntry{f.entry(crm.ActionDelete, crm.ResourceContract, k.ID, nil)}, nil
	})
	assertCode(t, crm.ECONFLICT, err, "a contract with events cannot be deleted")
	_, err = f.s.FindContract(f.ctx, k.ID, crm.Everything)
	assert.NoError(t, err)
	assert.Len(t, f.audit(), before)
}
