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
	words    kindWords
}

// kindWords are the sentences that name a kind of record, one catalogue key each: languages
// whose words agree with the noun (French nouns have genders) cannot build them from the noun.
type kindWords struct {
	New, Created, Saved, Deleted, DeleteQuestion, DeleteIntro, MayNotDelete, CannotDelete, ChangedMeanwhile, Search string
}

// The four resources, in the order of the sidebar.
var (
	kindClient = &kind{res: crm.ResourceClient, path: "clients", singular: "client", plural: msg("Clients"), icon: "briefcase",
		words: kindWords{msg("New client"), msg("The client was created."), msg("The client was saved."), msg("The client was deleted."),
			msg("Delete this client?"), msg("You are about to delete the client"), msg("You may not delete this client."),
			msg("This client cannot be deleted."), msg("This client was changed meanwhile."), msg("Search and filter clients")}}
	kindContract = &kind{res: crm.ResourceContract, path: "contracts", singular: "contract", plural: msg("Contracts"), icon: "file",
		words: kindWords{msg("New contract"), msg("The contract was created."), msg("The contract was saved."), msg("The contract was deleted."),
			msg("Delete this contract?"), msg("You are about to delete the contract"), msg("You may not delete this contract."),
			msg("This contract cannot be deleted."), msg("This contract was changed meanwhile."), msg("Search and filter contracts")}}
	kindEvent = &kind{res: crm.ResourceEvent, path: "events", singular: "event", plural: msg("Events"), icon: "calendar",
		words: kindWords{msg("New event"), msg("The event was created."), msg("The event was saved."), msg("The event was deleted."),
			msg("Delete this event?"), msg("You are about to delete the event"), msg("You may not delete this event."),
			msg("This event cannot be deleted."), msg("This event was changed meanwhile."), msg("Search and filter events")}}
	kindUser = &kind{res: crm.ResourceUser, path: "users", singular: "user", plural: msg("Users"), icon: "users",
		words: kindWords{msg("New user"), msg("The user was created."), msg("The user was saved."), msg("The user was deleted."),
			msg("Delete this user?"), msg("You are about to delete the user"), msg("You may not delete this user."),
			msg("This user cannot be deleted."), msg("This user was changed meanwhile."), msg("Search and filter users")}}
	kinds = []*kind{kindClient, kindContract, kindEvent, kindUser}
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
