package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

// The words the generated data set is known to hold, for searching it (tools/benchsuite): the
// rare word is the last name of two clients (the 7th and the one 7/9 of the way), the common
// word is in the company of every hundredth client (bulkCommonEvery), from the first on: those
// clients are signed, so that their events carry the word too.
const (
	bulkRareWord    = "Zéphyrine"
	bulkCommonWord  = "Brasserie"
	bulkCommonEvery = 100
)

// bulkTeam is the number of sales and of support users of a generated data set, the demo cast
// included; the cast's manager, ada, manages them.
const bulkTeam = 10

// Word lists of the generated data: French- and English-looking names, companies and places.
// No word of them contains bulkRareWord or bulkCommonWord.
var (
	bulkFirstNames = []string{"Amélie", "Léa", "Chloé", "Manon", "Inès", "Jade", "Louise", "Zoé", "Camille", "Hugo",
		"Lucas", "Théo", "Gabriel", "Raphaël", "Noé", "Jules", "Arthur", "Louis", "Adam", "Éloïse", "Oliver", "Emily",
		"Harry", "Sophie", "George", "Grace", "Jack", "Olivia", "Thomas", "Charlotte", "William", "Isabelle"}
	bulkLastNames = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
		"Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
		"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker", "Côté", "Gauthier"}
	bulkCompanyKinds = []string{"Atelier", "Maison", "Groupe", "Société", "Studio", "Cabinet", "Agence", "Domaine",
		"Holdings", "Partners", "Consulting", "Logistics", "Labs", "Trading", "Foods", "Systems"}
	bulkCompanySuffixes = []string{"SA", "SARL", "SAS", "Ltd", "LLC", "& Fils", "& Co", "International"}
	bulkPlaces          = []string{"Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Nantes", "Strasbourg", "Montpellier",
		"Bordeaux", "Lille", "Rennes", "Reims", "London", "Manchester", "Bristol", "Édimbourg", "Genève", "Bruxelles",
		"Québec", "Montréal", "Annecy", "Biarritz", "Deauville", "Chamonix"}
	bulkEventKinds = []string{"launch party", "annual gala", "team offsite", "product keynote", "wedding", "séminaire",
		"soirée de lancement", "conference", "charity dinner", "anniversaire", "trade show", "summer party"}
)

// bulkUsers returns the team of a generated data set: the demo cast, then more sales and
// support users, bulkTeam of each role in all. Each line is username, role, first and last name.
func bulkUsers() [][4]string {
	users := append([][4]string(nil), demoUsers...)
	for i := 3; i <= bulkTeam; i++ {
		for k, role := range []string{"sales", "support"} {
			users = append(users, [4]string{fmt.Sprintf("%s%02d", role, i), role,
				bulkFirstNames[(i*3+k)%len(bulkFirstNames)], bulkLastNames[(i*5+k)%len(bulkLastNames)]})
		}
	}
	return users
}

// loadBulkDemo loads a generated data set of clients clients (one contract each, four in
// five of them signed) and events events (on the signed contracts) through the store's bulk
// loader, after creating the team (bulkUsers) through the service. Without force it refuses a
// database that has users other than the demo cast, or any record; with force it adds to the
// demo data already there.
func loadBulkDemo(ctx context.Context, app *epiccrm.App, clients, events int64, force bool, out io.Writer, bar *progress) error {
	if clients < 1 || events < 0 {
		return usageError{"--clients must be at least 1 and --events at least 0"}
	}
	if events > 0 && clients < 5 {
		return usageError{"events need signed contracts: give --clients 5 or more with --events"}
	}
	users := app.Store().Deps().Users
	svc := app.Service
	loaded, err := demoLoaded(ctx, users)
	if err != nil {
		return err
	}
	if has, err := svc.HasUsers(ctx); err != nil {
		return err
	} else if has && !loaded {
		return fmt.Errorf("the database already has users: load the demo data only into an empty database")
	}
	if loaded && !force {
		return fmt.Errorf("the demo data is already loaded: give --force to add the generated records to it")
	}
	team, err := ensureTeam(ctx, svc, users, loaded)
	if err != nil {
		return err
	}
	data := bulkData(team, clients, events, time.Now().UTC().Truncate(time.Hour))
	start := time.Now()
	err = epiccrm.BulkLoad(ctx, app.Store(), data, force, func(p epiccrm.BulkProgress) {
		if p.Total == 0 {
			bar.step(p.Table)
			return
		}
		bar.update(p.Table, p.Done, p.Total)
	})
	bar.finish()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("the load was interrupted before its end (%v): nothing of it was kept, the database holds what it held before", ctx.Err())
	}
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(out, "demo data loaded: %d users, %d clients, %d contracts, %d events in %s\n",
		len(team.sales)+len(team.support)+1, clients, data.Contracts, events, time.Since(start).Round(time.Second))
	fmt.Fprintf(out, "search words: %q (2 clients), %q (every %dth client's company)\n", bulkRareWord, bulkCommonWord, bulkCommonEvery)
	fmt.Fprintf(out, "logins (password %s for all): ada (management), sam, sue, sales03..sales%02d (sales), pat, pia, support03..support%02d (support)\n",
		demoPassword, bulkTeam, bulkTeam)
	return nil
}

// bulkTeamIDs is the ids of the users the generated records refer to.
type bulkTeamIDs struct {
	sales, support []int64
}

// ensureTeam creates the users of bulkUsers that do not exist yet (ada first, by Bootstrap,
// unless haveAda) and returns the ids of the sales and support users.
func ensureTeam(ctx context.Context, svc *crm.Service, users crm.UserStore, haveAda bool) (bulkTeamIDs, error) {
	var team bulkTeamIDs
	var boss *crm.User
	var err error
	if haveAda {
		boss, err = users.FindUserByUsername(ctx, demoUsers[0][0])
	} else {
		boss, err = svc.Bootstrap(ctx, crm.UserInput{Username: crm.Some("ada"), Email: crm.Some(demoEmail("ada")),
			FirstName: crm.Some("Ada"), LastName: crm.Some("Moreau"), Password: crm.Some(demoPassword)})
	}
	if err != nil {
		return team, describe(err)
	}
	asBoss := crm.NewContext(ctx, boss)
	for _, u := range bulkUsers()[1:] {
		user, err := users.FindUserByUsername(ctx, u[0])
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			user, err = svc.CreateUser(asBoss, crm.UserInput{Username: crm.Some(u[0]), Email: crm.Some(demoEmail(u[0])),
				Role: crm.Some(crm.Role(u[1])), FirstName: crm.Some(u[2]), LastName: crm.Some(u[3]), Password: crm.Some(demoPassword)})
		}
		if err != nil {
			return team, describe(err)
		}
		if string(user.Role) != u[1] {
			return team, fmt.Errorf("the user %s is %s, not %s: load the generated data into an empty database", u[0], user.Role, u[1])
		}
		if user.Role == crm.RoleSales {
			team.sales = append(team.sales, user.ID)
		} else {
			team.support = append(team.support, user.ID)
		}
	}
	return team, nil
}

// mix returns a well-spread pseudo-random number for (i, salt), so that the i-th record is the
// same whatever order the records are generated in (splitmix64).
func mix(i int64, salt uint64) uint64 {
	z := uint64(i)*0x9e3779b97f4a7c15 + salt
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// pick returns the element of words that mix(i, salt) chooses.
func pick(words []string, i int64, salt uint64) string { return words[mix(i, salt)%uint64(len(words))] }

// bulkData generates the records: client i has contract i, signed unless i is a multiple of 5
// (a prospect); events go round the signed contracts; every tenth event waits for support.
// Records are dated over the three years before now, in id order; events from a year before
// now to a year after.
func bulkData(team bulkTeamIDs, clients, events int64, now time.Time) epiccrm.BulkData {
	span := 3 * 365 * 24 * time.Hour
	created := func(i, n int64) time.Time {
		return now.Add(-span + time.Duration(float64(span)*float64(i)/float64(n+1)))
	}
	signed := func(i int64) bool { return i%5 != 0 }
	salesOf := func(client int64) *int64 { return &team.sales[client%int64(len(team.sales))] }
	company := func(i int64) string {
		c := fmt.Sprintf("%s %s %s", pick(bulkCompanyKinds, i, 3), pick(bulkLastNames, i, 4), pick(bulkCompanySuffixes, i, 5))
		if i%bulkCommonEvery == 1 {
			c = bulkCommonWord + " " + pick(bulkLastNames, i, 4)
		}
		return c
	}
	nSigned := clients - clients/5
	return epiccrm.BulkData{
		Clients: clients, Contracts: clients, Events: events,
		Client: func(i int64) *crm.Client {
			first, last := pick(bulkFirstNames, i, 1), pick(bulkLastNames, i, 2)
			if i == 7 || i == clients*7/9 {
				last = bulkRareWord
			}
			status := crm.ClientPotential
			if signed(i) {
				status = crm.ClientExisting
			}
			at := created(i, clients)
			r := mix(i, 6)
			return &crm.Client{ID: i, FirstName: first, LastName: last,
				Email:   fmt.Sprintf("%s.%s.%d@client.example", crm.FoldSearch(first), crm.FoldSearch(last), i),
				Phone:   fmt.Sprintf("+33 1 %02d %02d %02d %02d", r%100, r/100%100, r/10_000%100, r/1_000_000%100),
				Company: company(i), Status: status, SalesContactID: salesOf(i), DateCreated: at, DateUpdated: at}
		},
		Contract: func(i int64) *crm.Contract {
			amount := crm.Money(100_000 + mix(i, 7)%5_000_000)
			at := created(i, clients).Add(time.Hour)
			due := crm.DateOf(at.AddDate(0, 2, 0))
			k := &crm.Contract{ID: i, ClientID: i, SalesContactID: salesOf(i), Amount: amount, AmountDue: amount,
				PaymentDue: &due, Status: crm.ContractOpen, DateCreated: at, DateUpdated: at}
			if signed(i) {
				k.Status, k.SignedAt, k.AmountDue = crm.ContractSigned, &at, amount/crm.Money(1+i%3)
			}
			return k
		},
		Event: func(i int64) *crm.Event {
			// the k-th signed contract (from 0) is the (k/4*5 + k%4 + 1)-th
			k := (i - 1) % nSigned
			contract := k/4*5 + k%4 + 1
			at := created(i, events)
			date := now.AddDate(-1, 0, 0).Add(time.Duration(mix(i, 8)%(2*365*24)) * time.Hour).Truncate(time.Hour)
			end := date.Add(time.Duration(2+mix(i, 9)%10) * time.Hour)
			e := &crm.Event{ID: i, ContractID: contract,
				Name:      fmt.Sprintf("%s %s", company(contract), pick(bulkEventKinds, i, 10)),
				EventDate: date, EndDate: &end, Location: pick(bulkPlaces, i, 11), Attendees: int(20 + mix(i, 12)%480),
				Notes: "Generated event.", Status: crm.EventOpen, DateCreated: at, DateUpdated: at}
			if date.Before(now) {
				e.Status = crm.EventClosed
			}
			if i%10 != 0 {
				e.SupportContactID = &team.support[i%int64(len(team.support))]
			}
			return e
		},
	}
}
