package httpapi

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
	"github.com/gofiber/fiber/v2"
)

// contractListParams are the query parameters of GET /contracts.
var contractListParams = listParams(crm.ContractSortable,
	queryParam{name: "q", kind: pText, doc: "Words, each contained in the client's first or last name, email or company (case and accents ignored)."},
	queryParam{name: "client_id", kind: pID, doc: "The id of the client."},
	queryParam{name: "client_first_name", kind: pText, doc: "Text in the client's first name."},
	queryParam{name: "client_last_name", kind: pText, doc: "Text in the client's last name."},
	queryParam{name: "client_email", kind: pText, doc: "Text in the client's email."},
	queryParam{name: "sales_contact_id", kind: pID, doc: "The id of the sales contact."},
	queryParam{name: "amount", kind: pMoney, doc: "Exactly this amount, such as 1500.00."},
	queryParam{name: "amount_min", kind: pMoney, doc: "An amount of at least this."},
	queryParam{name: "amount_max", kind: pMoney, doc: "An amount of at most this."},
	queryParam{name: "date_created", kind: pDay, doc: "Created on this day (UTC), such as 2027-06-01."},
	queryParam{name: "status", kind: pText, doc: "The status.", enum: enums[typeOf[crm.ContractStatus]()]},
	queryParam{name: "unpaid", kind: pBool, doc: "true: only contracts with an amount still due."},
)

func (a *API) listContracts(c *fiber.Ctx) error {
	q, err := parseQuery(c, contractListParams)
	if err != nil {
		return err
	}
	f := crm.ContractFilter{
		Q: q.text("q"), ClientID: q.id("client_id"), ClientFirstName: q.text("client_first_name"),
		ClientLastName: q.text("client_last_name"), ClientEmail: q.text("client_email"),
		SalesContactID: q.id("sales_contact_id"), Amount: q.money("amount"),
		AmountMin: q.money("amount_min"), AmountMax: q.money("amount_max"),
		DateCreated: q.day("date_created"), Status: crm.ContractStatus(q.text("status")),
		Unpaid: q.flag("unpaid"), ListOptions: q.list(),
	}
	return sendList(c, a, q, "contracts", csvsafe.ContractColumns, &f.ListOptions, func(ctx context.Context) ([]*crm.Contract, string, error) {
		return a.svc.ListContracts(ctx, f)
	})
}

func (a *API) createContract(c *fiber.Ctx) error {
	in, err := decodeBody[crm.ContractInput](c, contractBody, modeCreate)
	if err != nil {
		return err
	}
	k, err := a.svc.CreateContract(ctxOf(c), in)
	if err != nil {
		return err
	}
	return sendCreated(c, k, k.ID, k.Version)
}

func (a *API) getContract(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	k, err := a.svc.GetContract(ctxOf(c), id)
	if err != nil {
		return err
	}
	return sendRecord(c, fiber.StatusOK, k, k.Version)
}

func (a *API) updateContract(mode writeMode) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, version, err := writeTarget(c)
		if err != nil {
			return err
		}
		in, err := decodeBody[crm.ContractInput](c, contractBody, mode)
		if err != nil {
			return err
		}
		k, err := a.svc.UpdateContract(ctxOf(c), id, in, version)
		if err != nil {
			return err
		}
		return sendRecord(c, fiber.StatusOK, k, k.Version)
	}
}

// signContract marks a contract signed, which also makes its client an existing client.
func (a *API) signContract(c *fiber.Ctx) error {
	id, version, err := deleteTarget(c)
	if err != nil {
		return err
	}
	k, err := a.svc.SignContract(ctxOf(c), id, version)
	if err != nil {
		return err
	}
	return sendRecord(c, fiber.StatusOK, k, k.Version)
}

func (a *API) deleteContract(c *fiber.Ctx) error {
	id, version, err := deleteTarget(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteContract(ctxOf(c), id, version); err != nil {
		return err
	}
	return sendNoContent(c)
}
