package web_test

import (
	"log"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm/adapters/web"
	"github.com/epicevents/epiccrm/crm"
)

// The host program builds the service over a store, then mounts the UI on its Fiber app next to
// the REST API. The store is also the session store.
func ExampleUI_Register() {
	var (
		svc   *crm.Service     // crm.New(deps), deps from the store, the policy and the password hasher
		store crm.SessionStore // the same store adapter
	)
	ui, err := web.New(web.Config{
		Secure:          true, // served over HTTPS, e.g. behind a TLS-terminating proxy
		IdleTimeout:     20 * time.Minute,
		AbsoluteTimeout: 8 * time.Hour,
	}, svc, store)
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	ui.Register(app) // every page under /admin
	log.Fatal(app.Listen(":8080"))
}
