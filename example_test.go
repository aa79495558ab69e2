package epiccrm_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"

	"github.com/gofiber/fiber/v2"

	"github.com/epicevents/epiccrm"
)

// Example embeds the CRM under /crm of a host's own Fiber app. The lines between the README
// markers are the README's embedding example, word for word (TestReadmeShowsTheExample).
func Example() {
	// Work in a throwaway directory: the CRM creates crm.db and crm-key.pem there.
	dir, err := os.MkdirTemp("", "epiccrm-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	defer os.Chdir(must(os.Getwd()))
	if err := os.Chdir(dir); err != nil {
		log.Fatal(err)
	}

	// README begin
	host := fiber.New()
	app, err := epiccrm.Open(context.Background(), epiccrm.Config{DatabaseURL: "sqlite:crm.db", KeyFile: "crm-key.pem"})
	if err == nil {
		err = app.Mount(host, "/crm") // the API at /crm/api/v1, the admin UI at /crm/admin/, ...
	}
	if err != nil {
		log.Fatal(err)
	}
	defer app.Close()
	// README end

	resp, err := host.Test(httptest.NewRequest("GET", "/crm/healthz", nil))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status)
	// Output: 200 OK
}

// must returns v, or stops the example on err.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
