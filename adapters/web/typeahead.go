package web

import (
	"net/http"
	"strings"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// suggestPath is the address of the client suggestions, under the UI's root.
const suggestPath = "/clients/suggest"

// maxSuggestions is the most clients a suggestion list holds.
const maxSuggestions = 10

// routeTypeahead mounts the client suggestions that feed the client search of the contract form.
func (ui *UI) routeTypeahead(g fiber.Router) {
	g.Get(suggestPath, ui.protect(ui.suggestClients))
}

// suggestion is one client offered by the type-ahead search.
type suggestion struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// clientLabel is how a client is named in a choice: "Ann Lee · Acme".
func clientLabel(c *crm.Client) string {
	if c.Company == "" {
		return c.FullName()
	}
	return c.FullName() + " · " + c.Company
}

// suggestClients answers GET /clients/suggest?q=... with a JSON array of at most
// maxSuggestions {id, label} clients matching q, found by crm.Service.ListClients, so only in
// the caller's read scope. An empty q suggests nothing; a bad query is a 400 with a JSON
// error, any other failure the usual error page.
func (ui *UI) suggestClients(rq *request) error {
	out := []suggestion{}
	q := strings.TrimSpace(rq.c.Query("q"))
	if q != "" {
		cs, _, err := ui.svc.ListClients(rq.ctx, crm.ClientFilter{Q: q, ListOptions: crm.ListOptions{Limit: maxSuggestions}})
		switch crm.ErrorCode(err) {
		case "":
		case crm.EMALFORMED, crm.EINVALID:
			return rq.c.Status(http.StatusBadRequest).JSON(fiber.Map{"error": rq.T("No suggestion: the search was refused.")})
		default:
			return ui.fail(rq.c, rq, err)
		}
		for _, c := range cs {
			out = append(out, suggestion{ID: c.ID, Label: clientLabel(c)})
		}
	}
	return rq.c.JSON(out)
}
