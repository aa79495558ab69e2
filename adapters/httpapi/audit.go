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
	queryParam{name: "action", kind: pText, doc: "The kind of change.", enum: []string{"create", "update", "delete", "assign", "sign"}},
	queryParam{name: "from", kind: pTime, doc: "Made at or after this instant, an RFC 3339 date-time such as 2027-06-01T00:00:00Z (send the + of an offset as %2B)."},
	queryParam{name: "to", kind: pTime, doc: "Made before this instant (excluded). With from, a half-open range [from, to)."},
)

// listAudit returns a page of the audit log (management only, by default).
func (a *API) listAudit(c *fiber.Ctx) error {
	q, err := parseQuery(c, auditListParams)
	if err != nil {
		return err
	}
	f := crm.AuditFilter{
		Resource: crm.Resource(q.text("resource")), ResourceID: q.idValue("resource_id"),
		ActorID: q.idValue("actor_id"), Action: crm.Action(q.text("action")),
		From: q.instant("from"), To: q.instant("to"), ListOptions: q.list(),
	}
	return sendList(c, a, q, "audit", csvsafe.AuditColumns, &f.ListOptions, func(ctx context.Context) ([]*crm.AuditEntry, string, error) {
		return a.svc.ListAudit(ctx, f)
	})
}
