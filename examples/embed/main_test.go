package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunWalksTheBusinessProcess(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), t.TempDir(), &out))
	text := out.String()
	for _, want := range []string{
		"management user ada created",
		"sam added client Kevin Casey (Cool Startup LLC), status potential",
		"sam created contract 1 for 12500.00, status open",
		"refused as expected: contract 1 is not signed yet",
		"client Kevin Casey is now existing",
		`sam created event "Launch party" on 2027-06-04`,
		"refused as expected: you may not set support_contact_id",
		"pat updated the event: 140 attendees",
		"pat closed the event: status closed",
		"the event's history has 4 entries",
	} {
		assert.Contains(t, text, want)
	}
}
