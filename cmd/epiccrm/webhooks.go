package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/epicevents/epiccrm"
	"github.com/epicevents/epiccrm/crm"
)

// webhookFlags are serve's webhook delivery settings.
type webhookFlags struct {
	allowPrivate bool
	disabled     bool
	retention    time.Duration
	timeout      time.Duration
}

func (w *webhookFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&w.allowPrivate, "webhook-allow-private", false, "let webhooks reach private, loopback and link-local addresses "+
		"(refused by default, checked on the resolved address)")
	fs.BoolVar(&w.disabled, "webhooks-disabled", false, "deliver no webhooks from this process (another process on the database may)")
	fs.DurationVar(&w.retention, "outbox-retention", 30*24*time.Hour, "how long delivered changes and finished webhook messages are kept")
	fs.DurationVar(&w.timeout, "webhook-timeout", 15*time.Second, "the time limit of one webhook delivery attempt")
}

// config returns the App's webhook configuration.
func (w *webhookFlags) config() epiccrm.WebhookConfig {
	return epiccrm.WebhookConfig{AllowPrivate: w.allowPrivate, Disabled: w.disabled, Retention: w.retention, Timeout: w.timeout}
}

// cmdWebhooks lists, adds and removes webhooks, and shows a webhook's delivery log. It acts as
// the system with management's rights: whoever can reach the database manages the CRM.
func cmdWebhooks(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("webhooks list|add URL --events a,b|rm ID|deliveries ID",
		"Manage the webhooks that receive the CRM's changes, signed as Standard Webhooks say.\n"+
			"add prints the webhook's signing secret once: keep it. Event types: "+strings.Join(crm.ChangeTypes, ", "), e.stderr)
	var db dbFlags
	db.register(fs)
	events := fs.String("events", "", "add: the comma-separated change types to send, such as contract.signed,client.created")
	if err := parse(fs, args, e.getenv); err != nil {
		return err
	}
	verb := fs.Arg(0)
	want := map[string]int{"list": 1, "add": 2, "rm": 2, "deliveries": 2}
	if n, ok := want[verb]; !ok || fs.NArg() != n {
		return usageError{"give list, add URL --events a,b, rm ID or deliveries ID"}
	}
	var id int64
	if verb == "rm" || verb == "deliveries" {
		var err error
		if id, err = strconv.ParseInt(fs.Arg(1), 10, 64); err != nil || id <= 0 {
			return usageError{fmt.Sprintf("%q is not a webhook id: give the number shown by 'epiccrm webhooks list'", fs.Arg(1))}
		}
	}
	if verb == "add" && strings.TrimSpace(*events) == "" {
		return usageError{"add needs --events, such as --events contract.signed,client.created"}
	}
	app, err := openCRM(ctx, db.url, false, epiccrm.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer app.Close()
	sys := crm.NewContext(ctx, &crm.User{Role: crm.RoleManagement, IsActive: true})
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	switch verb {
	case "list":
		ws, err := app.Service.ListWebhooks(sys)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "ID\tURL\tEVENTS\tENABLED\tNOTE")
		for _, w := range ws {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%t\t%s\n", w.ID, w.URL, strings.Join(w.Events, ","), w.Enabled, w.DisabledReason)
		}
	case "add":
		w, err := app.Service.CreateWebhook(sys, crm.WebhookInput{URL: crm.Some(fs.Arg(1)),
			Events: crm.Some(splitList(*events))})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "webhook %d created\nsecret: %s\n(shown once: configure your receiver with it now)\n",
			w.ID, crm.WebhookSecretString(w.Secret))
	case "rm":
		if err := app.Service.DeleteWebhook(sys, id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "webhook %d deleted\n", id)
	case "deliveries":
		log, err := app.Service.WebhookDeliveries(sys, id, 0)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "AT\tMESSAGE\tTYPE\tATTEMPT\tSTATUS\tMS\tSTATE\tERROR")
		for _, a := range log {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", a.At.Format(time.RFC3339), a.MsgID, a.Type, a.Attempt,
				a.Status, a.DurationMS, a.State, a.Error)
		}
	}
	return nil
}
