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
