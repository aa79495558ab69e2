package web

import (
	"strconv"

	"github.com/epicevents/epiccrm/crm"
)

// kind describes one resource of the UI: its permission resource, its path under /admin, the
// words and icon that name it.
type kind struct {
	res      crm.Resource
	path     string
	singular string
	plural   string
	icon     string
}

// The four resources, in the order of the sidebar.
var (
	kindClient   = &kind{res: crm.ResourceClient, path: "clients", singular: "client", plural: "Clients", icon: "briefcase"}
	kindContract = &kind{res: crm.ResourceContract, path: "contracts", singular: "contract", plural: "Contracts", icon: "file"}
	kindEvent    = &kind{res: crm.ResourceEvent, path: "events", singular: "event", plural: "Events", icon: "calendar"}
	kindUser     = &kind{res: crm.ResourceUser, path: "users", singular: "user", plural: "Users", icon: "users"}
	kinds        = []*kind{kindClient, kindContract, kindEvent, kindUser}
)

// listURL is the address of the resource's list page.
func (ui *UI) listURL(k *kind) string { return ui.root + "/" + k.path }

// newURL is the address of the resource's creation form.
func (ui *UI) newURL(k *kind) string { return ui.listURL(k) + "/new" }

// recordURL is the address of one record's page.
func (ui *UI) recordURL(k *kind, id int64) string {
	return ui.listURL(k) + "/" + strconv.FormatInt(id, 10)
}

// deleteURL is the address of one record's delete confirmation.
func (ui *UI) deleteURL(k *kind, id int64) string { return ui.recordURL(k, id) + "/delete" }

// historyURL is the address of one record's history.
func (ui *UI) historyURL(k *kind, id int64) string { return ui.recordURL(k, id) + "/history" }
