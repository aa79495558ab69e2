package web

// blockersBody lists, on a delete page, the records that stand in the way of the deletion.
type blockersBody struct {
	Tables []table
	// Hidden counts the blocking records outside the caller's read scope, shown as a number.
	Hidden int
	// Summary says in words how many records block the deletion.
	Summary string
}

// deleteBlockers returns what blocks the deletion of the record k id, or nil when nothing does
// (an event, or a record nothing refers to).
func (ui *UI) deleteBlockers(rq *request, k *kind, id int64) (*blockersBody, error) {
	b, err := ui.svc.DeleteBlockers(rq.ctx, k.res, id)
	if err != nil || !b.Blocked() {
		return nil, err
	}
	n := newNames(ui, rq)
	body := &blockersBody{Hidden: b.Hidden, Summary: rq.T("it is referred to by %d records", b.Visible+b.Hidden)}
	add := func(title string, t table, shown int) {
		if shown == 0 {
			return
		}
		t.Title = rq.T("%[2]s (%[1]d shown)", shown, title) // the count first: it picks the plural form
		body.Tables = append(body.Tables, t)
	}
	add(rq.T("Clients"), ui.clientTable(rq, n, b.Clients, nil, ""), len(b.Clients))
	add(rq.T("Contracts"), ui.contractTable(rq, n, b.Contracts, nil, ""), len(b.Contracts))
	add(rq.T("Events"), ui.eventTable(rq, n, b.Events, nil, ""), len(b.Events))
	return body, n.err
}
