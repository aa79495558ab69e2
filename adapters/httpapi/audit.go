package httpapi

import (
	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// auditListParams are the query parameters of GET /audit.
var auditListParams = listParams(crm.AuditSortable,
	queryParam{name: "resource", kind: pText, doc: "The kind of record changed.", enum: auditResources()},
	queryParam{name: "resource_id", kind: pID, doc: "The id of the record changed."},
	queryParam{name: "actor_id", kind: pID, doc: "The id of the user who made the change."},
)

// listAudit returns a page of the audit log (management only, by default).
func (a *API) listAudit(c *fiber.Ctx) error {
	q, err := parseQuery(c, auditListParams)
	if err != nil {
		return err
	}
	items, next, err := a.svc.ListAudit(ctxOf(c), crm.AuditFilter{
		Resource: crm.Resource(q.text("resource")), ResourceID: q.idValue("resource_id"),
		ActorID: q.idValue("actor_id"), ListOptions: q.list(),
	})
	if err != nil {
		return err
	}
	return sendPage(c, items, next)
}
