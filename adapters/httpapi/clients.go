package httpapi

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
	"github.com/gofiber/fiber/v2"
)

// clientListParams are the query parameters of GET /clients.
var clientListParams = listParams(crm.ClientSortable,
	queryParam{name: "q", kind: pText, doc: "Words, each contained in the first or last name, email or company (case and accents ignored)."},
	queryParam{name: "first_name", kind: pText, doc: "Text in the first name."},
	queryParam{name: "last_name", kind: pText, doc: "Text in the last name."},
	queryParam{name: "email", kind: pText, doc: "Text in the email."},
	queryParam{name: "company", kind: pText, doc: "Text in the company name."},
	queryParam{name: "status", kind: pText, doc: "The status.", enum: enums[typeOf[crm.ClientStatus]()]},
	queryParam{name: "sales_contact_id", kind: pID, doc: "The id of the sales contact."},
)

func (a *API) listClients(c *fiber.Ctx) error {
	q, err := parseQuery(c, clientListParams)
	if err != nil {
		return err
	}
	f := crm.ClientFilter{
		Q: q.text("q"), FirstName: q.text("first_name"), LastName: q.text("last_name"),
		Email: q.text("email"), Company: q.text("company"), Status: crm.ClientStatus(q.text("status")),
		SalesContactID: q.id("sales_contact_id"), ListOptions: q.list(),
	}
	return sendList(c, a, q, "clients", csvsafe.ClientColumns, &f.ListOptions, func(ctx context.Context) ([]*crm.Client, string, error) {
		return a.svc.ListClients(ctx, f)
	})
}

func (a *API) createClient(c *fiber.Ctx) error {
	in, err := decodeBody[crm.ClientInput](c, clientBody, modeCreate)
	if err != nil {
		return err
	}
	cl, err := a.svc.CreateClient(ctxOf(c), in)
	if err != nil {
		return err
	}
	return sendCreated(c, cl, cl.ID, cl.Version)
}

func (a *API) getClient(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	cl, err := a.svc.GetClient(ctxOf(c), id)
	if err != nil {
		return err
	}
	return sendRecord(c, fiber.StatusOK, cl, cl.Version)
}

func (a *API) updateClient(mode writeMode) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, version, err := writeTarget(c)
		if err != nil {
			return err
		}
		in, err := decodeBody[crm.ClientInput](c, clientBody, mode)
		if err != nil {
			return err
		}
		cl, err := a.svc.UpdateClient(ctxOf(c), id, in, version)
		if err != nil {
			return err
		}
		return sendRecord(c, fiber.StatusOK, cl, cl.Version)
	}
}

func (a *API) deleteClient(c *fiber.Ctx) error {
	id, version, err := deleteTarget(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteClient(ctxOf(c), id, version); err != nil {
		return err
	}
	return sendNoContent(c)
}
