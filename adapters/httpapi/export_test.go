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

// DocsTexts returns the texts of the OpenAPI document the docs page shows, which the
// catalogue of each other language translates, and the catalogues, by language.
func DocsTexts() (texts []string, catalogues map[string]map[string]any) {
	return newDocsPage(OpenAPIAt("")).texts, docsCatalogue
}

// DocsTemplate returns the text of the docs page's template.
func DocsTemplate() string { return docsTemplateText }
