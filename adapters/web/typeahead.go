package web

import (
	"net/http"
	"strconv"
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

// clientSearch is the client search above the new contract form: a GET form that reloads the
// form with the clients matching Q as the choices of its client field (no script needed); the
// script of the page instead fills those choices from SuggestURL as the user types.
type clientSearch struct {
	Action     string
	Q          string
	SuggestURL string
}

// clientSearch returns the client search of the new contract form.
func (ui *UI) clientSearch(rq *request) *clientSearch {
	return &clientSearch{Action: ui.newURL(kindContract), Q: strings.TrimSpace(rq.c.Query("client_q")), SuggestURL: ui.root + suggestPath}
}

// clientOptions are the choices of the client field of a new contract: the clients matching q
// (at most maxSuggestions, in the user's read scope), and the current choice, if any.
func (ui *UI) clientOptions(rq *request, n *names, current, q string) []option {
	opts := []option{{Value: "", Label: rq.T("Choose a client…")}}
	found := current == ""
	if q = strings.TrimSpace(q); q != "" {
		cs, _, err := ui.svc.ListClients(rq.ctx, crm.ClientFilter{Q: q, ListOptions: crm.ListOptions{Limit: maxSuggestions}})
		n.keep(err)
		for _, c := range cs {
			opts = append(opts, option{Value: itoa(c.ID), Label: clientLabel(c)})
			found = found || itoa(c.ID) == current
		}
		if len(cs) == 0 {
			opts[0].Label = rq.T("No client matches %s", q)
		}
	}
	if !found {
		label := rq.T("Client #%s", current)
		if id, err := strconv.ParseInt(current, 10, 64); err == nil && id > 0 {
			if c, err := ui.svc.GetClient(rq.ctx, id); err == nil {
				label = clientLabel(c)
			}
		}
		opts = append(opts, option{Value: current, Label: label})
	}
	return opts
}
