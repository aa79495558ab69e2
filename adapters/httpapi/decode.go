package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/epicevents/epiccrm/crm"
	"github.com/gofiber/fiber/v2"
)

// writeMode tells what a request body is for, and so which keys it may and must hold.
type writeMode int

const (
	// modeCreate: any writable key; the keys of bodySpec.required must be present.
	modeCreate writeMode = iota
	// modePut: a full update; every key writable after creation must be present, except
	// bodySpec.putOptional.
	modePut
	// modePatch: a partial update; any key writable after creation.
	modePatch
)

// bodySpec describes the JSON body of a kind of write: a crm input struct made of crm.Opt
// fields, and the record it writes, whose other keys are read-only. The decoder refuses every
// key it cannot apply rather than ignoring it, and the OpenAPI document is built from the same
// description, so the two cannot disagree.
type bodySpec struct {
	// name is the base of the schema names in the OpenAPI document ("Client").
	name string
	// input is the crm input struct; every field is a crm.Opt with a json tag.
	input reflect.Type
	// entity is the record the input writes, or nil; its keys that are not writable are
	// refused as read-only.
	entity reflect.Type
	// createOnly lists the keys that are writable on create only.
	createOnly []string
	// putOptional lists the keys a PUT may leave out (write-only ones, such as password).
	putOptional []string
	// required lists the keys the API itself requires on create. Records leave it empty: the
	// domain checks their required fields, after the permission checks.
	required []string
	// describe documents some keys in the OpenAPI document.
	describe map[string]string

	fields     map[string]bodyField
	order      []string
	entityKeys map[string]bool
}

// bodyField is one key of a body: the index of its crm.Opt field and the type of its value.
type bodyField struct {
	index int
	value reflect.Type
}

// newBodySpec fills the reflection data of s from its input and entity types.
func newBodySpec(s bodySpec) *bodySpec {
	s.fields = map[string]bodyField{}
	for i := 0; i < s.input.NumField(); i++ {
		f := s.input.Field(i)
		key := jsonKey(f)
		v, ok := f.Type.FieldByName("Value")
		if key == "" || !ok {
			panic("httpapi: " + s.input.Name() + "." + f.Name + " is not a json-tagged crm.Opt field")
		}
		s.fields[key] = bodyField{index: i, value: v.Type}
		s.order = append(s.order, key)
	}
	s.entityKeys = map[string]bool{}
	if s.entity != nil {
		for _, k := range structKeys(s.entity) {
			s.entityKeys[k] = true
		}
	}
	return &s
}

// jsonKey returns the JSON key of a struct field, or "" when it has none.
func jsonKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// structKeys returns the JSON keys of a struct type, in field order.
func structKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if k := jsonKey(t.Field(i)); k != "" && t.Field(i).IsExported() {
			keys = append(keys, k)
		}
	}
	return keys
}

// writable returns the keys a body may hold in mode, in field order.
func (s *bodySpec) writable(mode writeMode) []string {
	if mode == modeCreate {
		return s.order
	}
	var keys []string
	for _, k := range s.order {
		if !slices.Contains(s.createOnly, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// mandatory returns the keys a body must hold in mode.
func (s *bodySpec) mandatory(mode writeMode) []string {
	switch mode {
	case modeCreate:
		return s.required
	case modePut:
		var keys []string
		for _, k := range s.writable(modePut) {
			if !slices.Contains(s.putOptional, k) {
				keys = append(keys, k)
			}
		}
		return keys
	}
	return nil
}

// decodeBody decodes the request body into a T (the input struct of spec) for mode. It
// answers 415 for a body that is not JSON, 400 for one that does not parse (or has data after
// the object), and 422 naming every key that is unknown, read-only, given twice, of the wrong
// type or missing.
func decodeBody[T any](c *fiber.Ctx, spec *bodySpec, mode writeMode) (T, error) {
	var in T
	body := c.Body()
	if err := checkJSONContentType(c, body); err != nil {
		return in, err
	}
	keys, raws, err := splitObject(body)
	if err != nil {
		return in, err
	}
	var fe []crm.FieldError
	seen := map[string]bool{}
	dst := reflect.ValueOf(&in).Elem()
	writable := spec.writable(mode)
	for i, key := range keys {
		if seen[key] {
			fe = append(fe, crm.FieldError{Field: key, Code: crm.FieldDuplicate, Message: "is given more than once"})
			continue
		}
		seen[key] = true
		if !slices.Contains(writable, key) {
			fe = append(fe, crm.FieldError{Field: key, Code: spec.refusalCode(key), Message: spec.refusal(key)})
			continue
		}
		f := spec.fields[key]
		if msg := decodeField(raws[i], f.value, dst.Field(f.index).Addr().Interface()); msg != "" {
			fe = append(fe, crm.FieldError{Field: key, Code: crm.FieldInvalidValue, Message: msg})
		}
	}
	for _, key := range spec.mandatory(mode) {
		if !seen[key] {
			msg := "is required"
			if mode == modePut {
				msg = "is required: a PUT replaces every writable field (send them all, or use PATCH)"
			}
			fe = append(fe, crm.FieldError{Field: key, Code: crm.FieldRequired, Message: msg})
		}
	}
	if len(fe) > 0 {
		sort.SliceStable(fe, func(i, j int) bool { return fe[i].Field < fe[j].Field })
		names := make([]string, 0, len(fe))
		for _, f := range fe {
			names = append(names, f.Field)
		}
		return in, &crm.Error{Code: crm.EINVALID, Fields: fe,
			Message: "the body has invalid fields: " + strings.Join(slices.Compact(names), ", ")}
	}
	return in, nil
}

// refusal says why key cannot be written.
func (s *bodySpec) refusal(key string) string {
	switch {
	case slices.Contains(s.createOnly, key):
		return "cannot be changed once the record is created"
	case s.entityKeys[key]:
		return "is read-only"
	case len(s.order) == 0:
		return "is not expected: this request takes no body"
	}
	return "is not a field of this body: the fields are " + strings.Join(s.order, ", ")
}

// refusalCode is the field error code of a key the body may not hold (see refusal).
func (s *bodySpec) refusalCode(key string) crm.FieldCode {
	switch {
	case slices.Contains(s.createOnly, key):
		return crm.FieldImmutable
	case s.entityKeys[key]:
		return crm.FieldNotAllowed
	}
	return crm.FieldUnknown
}

// decodeField decodes one value into the crm.Opt at dst, whose value has type t, and returns
// what is wrong with it ("" when nothing is).
func decodeField(raw json.RawMessage, t reflect.Type, dst any) string {
	if bytes.Equal(raw, []byte("null")) && t.Kind() != reflect.Pointer {
		return "must not be null: it must be " + describeType(t)
	}
	err := json.Unmarshal(raw, dst)
	if err == nil {
		if v := reflect.ValueOf(dst).Elem().FieldByName("Value"); v.Kind() == reflect.String && strings.ContainsRune(v.String(), 0) {
			return "must not contain NUL characters"
		}
		return ""
	}
	var te *json.UnmarshalTypeError
	base := t
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if !errors.As(err, &te) && (base == moneyType || base == dateType) {
		return err.Error()
	}
	return "must be " + describeType(t)
}

// describeType says in words what a JSON value of type t looks like.
func describeType(t reflect.Type) string {
	orNull := ""
	if t.Kind() == reflect.Pointer {
		t, orNull = t.Elem(), ", or null"
	}
	switch t {
	case moneyType:
		return `a decimal amount with at most two decimals, such as "1500.00"` + orNull
	case dateType:
		return `a date such as "2027-06-01"` + orNull
	case timeType:
		return `a date and time in RFC 3339 form, such as "2027-06-01T18:00:00Z"` + orNull
	}
	switch t.Kind() {
	case reflect.String:
		if vals := enumValues(t); len(vals) > 0 {
			return "one of " + strings.Join(vals, ", ") + orNull
		}
		return "a string" + orNull
	case reflect.Bool:
		return "true or false" + orNull
	case reflect.Int, reflect.Int64:
		if orNull != "" {
			return "an id (a positive integer), or null"
		}
		return "an integer"
	}
	return "a value of another type"
}

// checkJSONContentType refuses a body that is absent (400) or is not declared as JSON (415).
func checkJSONContentType(c *fiber.Ctx, body []byte) error {
	ct := c.Get(fiber.HeaderContentType)
	if len(bytes.TrimSpace(body)) == 0 {
		if ct != "" && !isJSONMediaType(ct) {
			return errUnsupportedType()
		}
		return &crm.Error{Code: crm.EMALFORMED, Message: "a JSON object is required as the request body"}
	}
	if !isJSONMediaType(ct) {
		return errUnsupportedType()
	}
	return nil
}

func errUnsupportedType() error {
	return errStatus(fiber.StatusUnsupportedMediaType,
		"the request body must be JSON: send it with Content-Type: application/json")
}

// isJSONMediaType accepts application/json, with at most a UTF-8 charset.
func isJSONMediaType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

// maxBodyKeys bounds the keys of a body, far above what any input has, so that a body of many
// bad keys cannot make an error response of many more bytes.
const maxBodyKeys = 64

// splitObject parses body as exactly one JSON object, returning its keys and raw values in
// order (duplicates included, for the caller to refuse).
func splitObject(body []byte) ([]string, []json.RawMessage, error) {
	if !utf8.Valid(body) {
		return nil, nil, malformedBody("it is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, malformedBody(syntaxMessage(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, malformedBody("it must be a JSON object")
	}
	var keys []string
	var raws []json.RawMessage
	for dec.More() {
		if len(keys) == maxBodyKeys {
			return nil, nil, malformedBody("it has more than " + itoa(maxBodyKeys) + " keys")
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, malformedBody(syntaxMessage(err))
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, malformedBody(syntaxMessage(err))
		}
		keys, raws = append(keys, key), append(raws, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, malformedBody(syntaxMessage(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, malformedBody("there is data after the JSON object")
	}
	return keys, raws, nil
}

// malformedBody is the 400 of a body that does not parse.
func malformedBody(why string) error {
	return &crm.Error{Code: crm.EMALFORMED, Message: "the request body is not valid JSON: " + why}
}

// syntaxMessage describes a JSON syntax error with its byte offset.
func syntaxMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " (at byte " + itoa(se.Offset) + ")"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends too early"
	}
	return "it does not parse"
}

// decodeNoBody accepts an empty body, or an empty JSON object, for the endpoints that take no
// input (sign, delete), so that a key sent to them is refused rather than ignored.
func decodeNoBody(c *fiber.Ctx) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	_, err := decodeBody[struct{}](c, emptyBody, modeCreate)
	return err
}

// emptyBody describes a body with no fields.
var emptyBody = newBodySpec(bodySpec{name: "Empty", input: reflect.TypeOf(struct{}{})})
