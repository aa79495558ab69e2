// Command embed shows how a Go program embeds EpicCRM as a library: it opens the CRM on a SQLite
// database in a temporary directory with epiccrm.Open, creates a management, a sales and a support user, and walks the business
// process of Epic Events through the crm API as those users, printing what happens, including one
// action the policy refuses.
//
//	go run ./examples/embed
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

func main() {
	dir, err := os.MkdirTemp("", "epiccrm-embed-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// run opens a fresh CRM in dir and walks the business process, writing a line per step to out.
func run(ctx context.Context, dir string, out io.Writer) error {
	app, err := epiccrm.Open(ctx, epiccrm.Config{DatabaseURL: "sqlite:" + dir + "/crm.db", KeyFile: dir + "/key.pem"})
	if err != nil {
		return err
	}
	defer app.Close()
	svc := app.Service

	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	const pw = "Velvet-Harbor-91"

	// The first management account is made without an acting user.
	boss, err := svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("ada"), Email: crm.Some("ada@epicevents.test"),
		FirstName: crm.Some("Ada"), LastName: crm.Some("Moreau"), Password: crm.Some(pw)})
	if err != nil {
		return err
	}
	asBoss := crm.NewContext(ctx, boss)
	say("management user %s created", boss.Username)

	// Management adds a sales and a support member.
	sales, err := svc.CreateUser(asBoss, crm.UserInput{Username: crm.Some("sam"), Email: crm.Some("sam@epicevents.test"),
		FirstName: crm.Some("Sam"), Role: crm.Some(crm.RoleSales), Password: crm.Some(pw)})
	if err != nil {
		return err
	}
	support, err := svc.CreateUser(asBoss, crm.UserInput{Username: crm.Some("pat"), Email: crm.Some("pat@epicevents.test"),
		FirstName: crm.Some("Pat"), Role: crm.Some(crm.RoleSupport), Password: crm.Some(pw)})
	if err != nil {
		return err
	}
	say("management added %s (sales) and %s (support)", sales.Username, support.Username)

	// The sales member logs in, finds a prospect and makes a contract.
	sales, err = svc.Authenticate(ctx, "sam", pw, "127.0.0.1")
	if err != nil {
		return err
	}
	asSales := crm.NewContext(ctx, sales)
	client, err := svc.CreateClient(asSales, crm.ClientInput{FirstName: crm.Some("Kevin"), LastName: crm.Some("Casey"),
		Email: crm.Some("kevin@startup.test"), Company: crm.Some("Cool Startup LLC")})
	if err != nil {
		return err
	}
	say("sam added client %s (%s), status %s", client.FullName(), client.Company, client.Status)
	amount, _ := crm.ParseMoney("12500.00")
	contract, err := svc.CreateContract(asSales, crm.ContractInput{ClientID: crm.Some(client.ID), Amount: crm.Some(amount)})
	if err != nil {
		return err
	}
	say("sam created contract %d for %s, status %s", contract.ID, contract.Amount, contract.Status)

	// An event needs a signed contract: the domain refuses it before signing.
	start := time.Date(2027, 6, 4, 18, 0, 0, 0, time.UTC)
	event := crm.EventInput{ContractID: crm.Some(contract.ID), Name: crm.Some("Launch party"),
		EventDate: crm.Some(start), Location: crm.Some("Paris"), Attendees: crm.Some(120)}
	if _, err := svc.CreateEvent(asSales, event); err != nil {
		say("refused as expected: %s (%s)", crm.ErrorMessage(err), crm.ErrorCode(err))
	}
	contract, err = svc.SignContract(asSales, contract.ID, contract.Version)
	if err != nil {
		return err
	}
	client, err = svc.GetClient(asSales, client.ID)
	if err != nil {
		return err
	}
	say("sam signed contract %d; client %s is now %s", contract.ID, client.FullName(), client.Status)
	ev, err := svc.CreateEvent(asSales, event)
	if err != nil {
		return err
	}
	say("sam created event %q on %s", ev.Name, ev.EventDate.Format(time.DateOnly))

	// Sales may not pick the support contact: that is management's job.
	if _, err := svc.AssignSupport(asSales, ev.ID, &support.ID, 0); err != nil {
		say("refused as expected: %s (%s)", crm.ErrorMessage(err), crm.ErrorCode(err))
	}
	ev, err = svc.AssignSupport(asBoss, ev.ID, &support.ID, 0)
	if err != nil {
		return err
	}
	say("ada assigned %s to event %q", support.Username, ev.Name)

	// Support keeps the event up to date, then closes it.
	asSupport := crm.NewContext(ctx, support)
	ev, err = svc.UpdateEvent(asSupport, ev.ID, crm.EventInput{Notes: crm.Some("DJ booked; vegan menu"), Attendees: crm.Some(140)}, ev.Version)
	if err != nil {
		return err
	}
	say("pat updated the event: %d attendees, notes %q", ev.Attendees, ev.Notes)
	ev, err = svc.UpdateEvent(asSupport, ev.ID, crm.EventInput{Status: crm.Some(crm.EventClosed)}, ev.Version)
	if err != nil {
		return err
	}
	say("pat closed the event: status %s", ev.Status)

	// Management reads who changed what.
	entries, _, err := svc.ListAudit(asBoss, crm.AuditFilter{Resource: crm.ResourceEvent, ResourceID: ev.ID})
	if err != nil {
		return err
	}
	say("the event's history has %d entries", len(entries))
	return nil
}
