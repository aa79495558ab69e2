package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

// demoPassword is the password of every demo account. It is printed by the demo command, so the
// demo data must never be loaded into a database that holds real data.
const demoPassword = "Velvet-Harbor-91"

// demoUsers are the demo accounts, one line each: username, role, first and last name.
var demoUsers = [][4]string{
	{"ada", "management", "Ada", "Moreau"},
	{"sam", "sales", "Sam", "Lefebvre"},
	{"sue", "sales", "Sue", "Nakamura"},
	{"pat", "support", "Pat", "Okafor"},
	{"pia", "support", "Pia", "Lindqvist"},
}

// demoClients are the demo clients: first and last name, company, and the username of their sales contact.
var demoClients = [][4]string{
	{"Kevin", "Casey", "Cool Startup LLC", "sam"},
	{"Amélie", "Durand", "Lumière Events SA", "sam"},
	{"John", "Ochoa", "Ochoa & Sons", "sam"},
	{"Priya", "Raman", "Bright Ideas Ltd", "sue"},
	{"Lena", "Vogel", "Vogel Architekten", "sue"},
	{"Tom", "Baker", "Baker Street Bakery", "sue"},
	{"Yuki", "Sato", "Sato Robotics", "sam"},
	{"Marta", "Rossi", "Rossi Wines", "sue"},
}

// cmdDemo loads the demo data into the database and prints the demo logins.
func cmdDemo(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("demo [--clients N --events M [--force]]", "Load demo data (users of each role, clients, contracts, events) and print the demo logins.\n"+
		"With --clients, generate N clients (one contract each, four in five signed) and M events\n"+
		"instead, loaded in bulk (PostgreSQL: COPY; SQLite: batched INSERTs), for benchmarks.\n"+
		"Never run it against a database holding real data: the demo password is printed.", e.stderr)
	var db dbFlags
	db.register(fs)
	clients := fs.Int64("clients", 0, "generate this many clients, loaded in bulk (0: the small demo)")
	events := fs.Int64("events", 0, "with --clients: generate this many events")
	force := fs.Bool("force", false, "with --clients: add the generated records to the demo data already loaded")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	if *clients == 0 && (*events != 0 || *force) {
		return usageError{"--events and --force go with --clients"}
	}
	app, err := openCRM(ctx, db.url, true, epiccrm.Config{})
	if err != nil {
		return err
	}
	defer app.Close()
	if *clients != 0 {
		bar := newProgress(e.stderr, e.stderrTerminal)
		bar.verb = "loaded"
		return loadBulkDemo(ctx, app, *clients, *events, *force, e.stdout, bar)
	}
	return loadDemo(ctx, app.Store().Deps().Users, app.Service, e.stdout)
}

// loadDemo walks the business process with the demo cast: management creates the team, sales add
// clients and contracts and sign some, events are created and management assigns support. On a
// database that already has the demo users it only prints the logins; on one with other users
// it refuses, since the demo password is printed. users is the store behind svc.
func loadDemo(ctx context.Context, users crm.UserStore, svc *crm.Service, out io.Writer) error {
	if loaded, err := demoLoaded(ctx, users); err != nil {
		return err
	} else if loaded {
		fmt.Fprintln(out, "demo data is already loaded")
		printDemoLogins(out)
		return nil
	}
	if has, err := svc.HasUsers(ctx); err != nil {
		return err
	} else if has {
		return fmt.Errorf("the database already has users: load the demo data only into an empty database")
	}
	byName := map[string]*crm.User{}
	boss, err := svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("ada"), Email: crm.Some(demoEmail("ada")),
		FirstName: crm.Some("Ada"), LastName: crm.Some("Moreau"), Password: crm.Some(demoPassword)})
	if err != nil {
		return describe(err)
	}
	asBoss := crm.NewContext(ctx, boss)
	byName["ada"] = boss
	for _, u := range demoUsers[1:] {
		created, err := svc.CreateUser(asBoss, crm.UserInput{Username: crm.Some(u[0]), Email: crm.Some(demoEmail(u[0])),
			Role: crm.Some(crm.Role(u[1])), FirstName: crm.Some(u[2]), LastName: crm.Some(u[3]), Password: crm.Some(demoPassword)})
		if err != nil {
			return describe(err)
		}
		byName[u[0]] = created
	}

	base := time.Now().UTC().Truncate(24 * time.Hour)
	for i, c := range demoClients {
		asSales := crm.NewContext(ctx, byName[c[3]])
		client, err := svc.CreateClient(asSales, crm.ClientInput{FirstName: crm.Some(c[0]), LastName: crm.Some(c[1]),
			Email: crm.Some(fmt.Sprintf("contact%d@client%d.test", i+1, i+1)), Company: crm.Some(c[2]),
			Phone: crm.Some(fmt.Sprintf("+33 1 40 %02d %02d %02d", 10+i, 20+i, 30+i))})
		if err != nil {
			return describe(err)
		}
		if i%4 == 3 {
			continue // a prospect without a contract yet
		}
		amount := crm.Money((i + 3) * 250_000)
		due := crm.DateOf(base.AddDate(0, 1+i, 0))
		contract, err := svc.CreateContract(asSales, crm.ContractInput{ClientID: crm.Some(client.ID), Amount: crm.Some(amount), PaymentDue: crm.Some(&due)})
		if err != nil {
			return describe(err)
		}
		if i%3 == 2 {
			continue // an open contract, not signed yet
		}
		if contract, err = svc.SignContract(asSales, contract.ID, 0); err != nil {
			return describe(err)
		}
		if i%2 == 0 {
			if _, err = svc.UpdateContract(asSales, contract.ID, crm.ContractInput{AmountDue: crm.Some(amount / 2)}, 0); err != nil {
				return describe(err)
			}
		}
		start := base.AddDate(0, 0, 14+9*i).Add(18 * time.Hour)
		end := start.Add(6 * time.Hour)
		event, err := svc.CreateEvent(asSales, crm.EventInput{ContractID: crm.Some(contract.ID),
			Name:      crm.Some(c[2] + " " + []string{"launch party", "annual gala", "team offsite", "product keynote"}[i%4]),
			EventDate: crm.Some(start), EndDate: crm.Some(&end), Location: crm.Some([]string{"Paris", "Lyon", "Bordeaux", "Nice"}[i%4]),
			Attendees: crm.Some(40 + 35*i), Notes: crm.Some("Catering and sound to confirm two weeks before.")})
		if err != nil {
			return describe(err)
		}
		if i != 4 { // one event waits for management to assign support
			support := byName[[]string{"pat", "pia"}[i%2]]
			if _, err := svc.AssignSupport(asBoss, event.ID, &support.ID, 0); err != nil {
				return describe(err)
			}
		}
	}
	fmt.Fprintf(out, "demo data loaded: %d users, %d clients\n", len(demoUsers), len(demoClients))
	printDemoLogins(out)
	return nil
}

// demoEmail is the email address of the demo account username.
func demoEmail(username string) string { return username + "@epicevents.test" }

// demoLoaded reports whether the demo data is in the database: its manager, ada, exists with her
// demo email address. It looks her up rather than logging in as her, since a login counts
// failures, records the login time, and fails once ada is throttled or has a new password.
func demoLoaded(ctx context.Context, users crm.UserStore) (bool, error) {
	ada, err := users.FindUserByUsername(ctx, demoUsers[0][0])
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return strings.EqualFold(ada.Email, demoEmail(ada.Username)), nil
}

// printDemoLogins prints the demo accounts and their shared password.
func printDemoLogins(out io.Writer) {
	fmt.Fprintf(out, "demo logins (password %s for all):\n", demoPassword)
	for _, u := range demoUsers {
		fmt.Fprintf(out, "  %-4s %s\n", u[0], u[1])
	}
}
