package crm

import "context"

// byID indexes records by their id.
func byID[T any](items []T, id func(T) int64) map[int64]T {
	out := make(map[int64]T, len(items))
	for _, x := range items {
		out[id(x)] = x
	}
	return out
}

// GetUsers returns the users among ids within the caller's read scope, by id, in one read: what
// a page that shows many related records asks instead of one GetUser per row. An id of no user,
// or of one the caller cannot read, has no entry.
func (s *Service) GetUsers(ctx context.Context, ids []int64) (map[int64]*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	us, err := s.users.FindUsers(ctx, ids, s.visibility(a, ResourceUser, ActionRead))
	return byID(us, func(u *User) int64 { return u.ID }), err
}

// GetClients returns the clients among ids within the caller's read scope, by id, in one read.
// An id of no client, or of one the caller cannot read, has no entry.
func (s *Service) GetClients(ctx context.Context, ids []int64) (map[int64]*Client, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := s.clients.FindClients(ctx, ids, s.visibility(a, ResourceClient, ActionRead))
	return byID(cs, func(c *Client) int64 { return c.ID }), err
}

// GetContracts returns the contracts among ids within the caller's read scope, by id, in one
// read. An id of no contract, or of one the caller cannot read, has no entry.
func (s *Service) GetContracts(ctx context.Context, ids []int64) (map[int64]*Contract, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	ks, err := s.contracts.FindContracts(ctx, ids, s.visibility(a, ResourceContract, ActionRead))
	return byID(ks, func(k *Contract) int64 { return k.ID }), err
}

// ContactNames is ContactName for many users at once, in one read: the full names, by id, of
// the users among ids whose names the caller may know. An id the caller may not know, or of no
// user, has no entry.
func (s *Service) ContactNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var us []*User
	if s.visibility(a, ResourceUser, ActionRead).Any {
		us, err = s.users.FindUsers(ctx, ids, Everything)
	} else {
		us, err = s.users.FindContacts(ctx, ids, s.readAccess(a))
	}
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(us)+1)
	for _, u := range us {
		out[u.ID] = u.FullName()
	}
	for _, id := range ids {
		if id == a.ID {
			out[id] = a.FullName()
		}
	}
	return out, nil
}

// AllowsEach is Allows for many records at once, in one read: whether the caller's permission
// for act on res reaches each record among ids (for ActionCreate, each parent), by id, with the
// answers Allows gives: false for an id the permission does not reach.
func (s *Service) AllowsEach(ctx context.Context, res Resource, act Action, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	a, err := actor(ctx)
	if err != nil {
		return out, nil
	}
	vis := s.visibility(a, res, act)
	set := func(every bool) {
		for _, id := range ids {
			out[id] = every
		}
	}
	switch {
	case vis.None():
		set(false)
		return out, nil
	case vis.Any:
		set(true)
		return out, nil
	}
	if act == ActionCreate {
		switch res {
		case ResourceContract:
			res = ResourceClient
		case ResourceEvent:
			res = ResourceContract
		default:
			set(true)
			return out, nil
		}
	}
	set(false)
	var found []int64
	switch res {
	case ResourceUser:
		us, err := s.users.FindUsers(ctx, ids, vis)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			found = append(found, u.ID)
		}
	case ResourceClient:
		cs, err := s.clients.FindClients(ctx, ids, vis)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			found = append(found, c.ID)
		}
	case ResourceContract:
		ks, err := s.contracts.FindContracts(ctx, ids, vis)
		if err != nil {
			return nil, err
		}
		for _, k := range ks {
			found = append(found, k.ID)
		}
	case ResourceEvent:
		es, err := s.events.FindEvents(ctx, ids, vis)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			found = append(found, e.ID)
		}
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}
