package httpapi

import "encoding/json"

// OpenAPIAt returns the OpenAPI document of the API's routes mounted under basePath, as
// New builds it, for the tests of the document's server URL.
func OpenAPIAt(basePath string) []byte {
	b, err := json.Marshal(buildOpenAPI((&API{}).operations(), basePath))
	if err != nil {
		panic(err)
	}
	return b
}

// DocsExampleRequest returns the example request the docs page shows for an operation, with the
// routes mounted under basePath.
func DocsExampleRequest(basePath, operationID string) string {
	for _, g := range newDocsPage(OpenAPIAt(basePath)).view.Groups {
		for _, op := range g.Ops {
			if op.Anchor == "op-"+operationID {
				return op.ExampleRequest
			}
		}
	}
	return ""
}
