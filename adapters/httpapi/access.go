package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/crm"
)

// recordAccess is the body of GET /api/v1/{resource}/{id}/access: who can see the record.
type recordAccess struct {
	Resource crm.Resource     `json:"resource"`
	ID       int64            `json:"id"`
	Users    []crm.UserAccess `json:"users"`
}

// recordAccess answers who may read and update the record of res named in the path, and why
// (crm.Service.RecordAccess): management only (403); a record outside the caller's read scope
// is 404, as for a read.
func (a *API) recordAccess(res crm.Resource) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		users, err := a.svc.RecordAccess(ctxOf(c), res, id)
		if err != nil {
			return err
		}
		return sendJSON(c, fiber.StatusOK, recordAccess{Resource: res, ID: id, Users: users})
	}
}
