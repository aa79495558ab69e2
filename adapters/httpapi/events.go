package httpapi

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
	"github.com/gofiber/fiber/v2"
)

// eventListParams are the query parameters of GET /events.
var eventListParams = listParams(crm.EventSortable,
	queryParam{name: "q", kind: pText, doc: "Words, each contained in the name or location (case and accents ignored)."},
	queryParam{name: "contract_id", kind: pID, doc: "The id of the contract."},
	queryParam{name: "client_id", kind: pID, doc: "The id of the client."},
	queryParam{name: "client_first_name", kind: pText, doc: "Text in the client's first name."},
	queryParam{name: "client_email", kind: pText, doc: "Text in the client's email."},
	queryParam{name: "sales_contact_id", kind: pID, doc: "The id of the sales contact."},
	queryParam{name: "support_contact_id", kind: pID, doc: "The id of the support contact."},
	queryParam{name: "unassigned", kind: pBool, doc: "true: only events without a support contact."},
	queryParam{name: "event_date", kind: pDay, doc: "Starting on this day (UTC), such as 2027-06-01."},
	queryParam{name: "from", kind: pTime, doc: "Starting at or after this instant: an RFC 3339 date-time such as 2027-06-01T00:00:00Z (send the + of an offset as %2B)."},
	queryParam{name: "to", kind: pTime, doc: "Starting before this instant (the bound itself is excluded), such as 2027-07-01T00:00:00Z. With from, a half-open range [from, to)."},
	queryParam{name: "status", kind: pText, doc: "The status.", enum: enums[typeOf[crm.EventStatus]()]},
)

func (a *API) listEvents(c *fiber.Ctx) error {
	q, err := parseQuery(c, eventListParams)
	if err != nil {
		return err
	}
	f := crm.EventFilter{
		Q: q.text("q"), ContractID: q.id("contract_id"), ClientID: q.id("client_id"),
		ClientFirstName: q.text("client_first_name"), ClientEmail: q.text("client_email"),
		SalesContactID: q.id("sales_contact_id"), SupportContactID: q.id("support_contact_id"),
		Unassigned: q.flag("unassigned"), EventDate: q.day("event_date"),
		From: q.instant("from"), To: q.instant("to"),
		Status: crm.EventStatus(q.text("status")), ListOptions: q.list(),
	}
	return sendList(c, a, q, "events", csvsafe.EventColumns, &f.ListOptions, func(ctx context.Context) ([]*crm.Event, string, error) {
		return a.svc.ListEvents(ctx, f)
	})
}

func (a *API) createEvent(c *fiber.Ctx) error {
	in, err := decodeBody[crm.EventInput](c, eventBody, modeCreate)
	if err != nil {
		return err
	}
	e, err := a.svc.CreateEvent(ctxOf(c), in)
	if err != nil {
		return err
	}
	return sendCreated(c, e, e.ID, e.Version)
}

func (a *API) getEvent(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	e, err := a.svc.GetEvent(ctxOf(c), id)
	if err != nil {
		return err
	}
	return sendRecord(c, fiber.StatusOK, e, e.Version)
}

func (a *API) updateEvent(mode writeMode) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, version, err := writeTarget(c)
		if err != nil {
			return err
		}
		in, err := decodeBody[crm.EventInput](c, eventBody, mode)
		if err != nil {
			return err
		}
		e, err := a.svc.UpdateEvent(ctxOf(c), id, in, version)
		if err != nil {
			return err
		}
		return sendRecord(c, fiber.StatusOK, e, e.Version)
	}
}

func (a *API) deleteEvent(c *fiber.Ctx) error {
	id, version, err := deleteTarget(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteEvent(ctxOf(c), id, version); err != nil {
		return err
	}
	return sendNoContent(c)
}
