package httpapi

import (
	"context"

	"github.com/epicevents/epiccrm/crm"
	"github.com/epicevents/epiccrm/internal/csvsafe"
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
	f := crm.AuditFilter{
		Resource: crm.Resource(q.text("resource")), ResourceID: q.idValue("resource_id"),
		ActorID: q.idValue("actor_id"), ListOptions: q.list(),
	}
	return sendList(c, a, q, "audit", csvsafe.AuditColumns, &f.ListOptions, func(ctx context.Context) ([]*crm.AuditEntry, string, error) {
		return a.svc.ListAudit(ctx, f)
	})
}
