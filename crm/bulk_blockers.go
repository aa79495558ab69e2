package crm

import "context"

// maxBlockersShown is how many blocking records of each kind DeleteBlockers returns.
const maxBlockersShown = 20

// DeleteBlockers are the records that refer to a record and so stand in the way of deleting
// it: those the caller may read (at most 20 of each kind, with their counts), and how many
// others, outside the caller's read scope, do too (a number, no details).
type DeleteBlockers struct {
	Clients   []*Client
	Contracts []*Contract
	Events    []*Event
	// Visible counts the blocking records the caller may read; Hidden those they may not.
	Visible int
	Hidden  int
}

// Blocked reports whether anything refers to the record.
func (b *DeleteBlockers) Blocked() bool { return b.Visible+b.Hidden > 0 }

// DeleteBlockers returns what refers to the record res id, for a delete page that explains why
// the record cannot be deleted rather than offering a deletion certain to fail: a client's
// contracts and their events, a contract's events, the clients, contracts and events a user is
// the contact of. The record must be within the caller's read scope (ENOTFOUND otherwise).
func (s *Service) DeleteBlockers(ctx context.Context, res Resource, id int64) (*DeleteBlockers, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	b := &DeleteBlockers{}
	page := ListOptions{Limit: maxBlockersShown, Sort: "id"}
	var contracts *ContractFilter
	var events *EventFilter
	var clients *ClientFilter
	switch res {
	case ResourceClient:
		if _, err := s.GetClient(ctx, id); err != nil {
			return nil, err
		}
		contracts, events = &ContractFilter{ClientID: &id}, &EventFilter{ClientID: &id}
	case ResourceContract:
		if _, err := s.GetContract(ctx, id); err != nil {
			return nil, err
		}
		events = &EventFilter{ContractID: &id}
	case ResourceUser:
		if _, err := s.GetUser(ctx, id); err != nil {
			return nil, err
		}
		clients, contracts, events = &ClientFilter{SalesContactID: &id}, &ContractFilter{SalesContactID: &id}, &EventFilter{SupportContactID: &id}
	case ResourceEvent:
		if _, err := s.GetEvent(ctx, id); err != nil {
			return nil, err
		}
		return b, nil
	default:
		return nil, Errorf(EMALFORMED, "unknown resource %s", res)
	}
	acc := s.readAccess(a)
	if clients != nil {
		if err := blockers(ctx, b, &b.Clients, *clients, page, acc.Clients, s.clients.ListClients, s.clients.CountClients, acc); err != nil {
			return nil, err
		}
	}
	if contracts != nil {
		if err := blockers(ctx, b, &b.Contracts, *contracts, page, acc.Contracts, s.contracts.ListContracts, s.contracts.CountContracts, acc); err != nil {
			return nil, err
		}
	}
	// Every kind but an event (returned above) has events that refer to it.
	if err := blockers(ctx, b, &b.Events, *events, page, acc.Events, s.events.ListEvents, s.events.CountEvents, acc); err != nil {
		return nil, err
	}
	return b, nil
}

// listable is a filter whose paging can be set.
type listable[F any] interface {
	*F
	options() *ListOptions
}

func (f *ClientFilter) options() *ListOptions   { return &f.ListOptions }
func (f *ContractFilter) options() *ListOptions { return &f.ListOptions }
func (f *EventFilter) options() *ListOptions    { return &f.ListOptions }

// blockers adds to b the records of one kind that match f: the first page of those within acc
// (none when vis reaches nothing), their count, and the count of the others.
func blockers[F any, PF listable[F], T any](ctx context.Context, b *DeleteBlockers, dst *[]T, f F, page ListOptions, vis Visibility,
	list func(context.Context, F, Access) ([]T, string, error), count func(context.Context, F, Access) (int, error), acc Access) error {
	all, err := count(ctx, f, FullAccess)
	if err != nil {
		return err
	}
	visible := 0
	if !vis.None() {
		if visible, err = count(ctx, f, acc); err != nil {
			return err
		}
		withPage := f
		*PF(&withPage).options() = page
		if *dst, _, err = list(ctx, withPage, acc); err != nil {
			return err
		}
	}
	b.Visible += visible
	b.Hidden += all - visible
	return nil
}
