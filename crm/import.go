package crm

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultImportRows is the most data rows an import file may hold unless Deps.ImportRows says
// otherwise.
const DefaultImportRows = 50_000

// ImportReport is the outcome of an import: what each row did, or would do in a dry run, and
// every problem found, each with its line number. When Errors is not empty nothing was
// written.
type ImportReport struct {
	// DryRun tells a report of what an import would do, with nothing written.
	DryRun bool `json:"dry_run"`
	// Applied tells that the rows were written (never for a dry run or a file with errors).
	Applied bool `json:"applied"`
	// Rows is the number of data rows read (the header not counted).
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Refused is the number of rows with at least one error.
	Refused int           `json:"refused"`
	Results []ImportRow   `json:"results"`
	Errors  []ImportError `json:"errors"`
}

// ImportRow is what one row of an import did (or would do): create, update or unchanged.
type ImportRow struct {
	Line   int    `json:"line"`
	Email  string `json:"email"`
	Action string `json:"action"`
	// ID is the record's id; 0 for a record a dry run (or an import refused) would create.
	ID int64 `json:"id"`
}

// ImportError is one problem of an import file: Line 0 for the file as a whole, Field ""
// for the whole row. Code names the problem for a program or a translation: one of ImportCodes,
// or the FieldCode of a field the row's create or update refused. Args are the values a
// translated message needs, in the order the code's documentation gives (see ImportCodes);
// Message says it all in English.
type ImportError struct {
	Line    int      `json:"line"`
	Field   string   `json:"field,omitempty"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Args    []string `json:"-"`
}

// Import problem codes: stable machine names of what is wrong with an import file or row, the
// Args each takes in its comment. A new problem gets a new code; a code is never renamed.
const (
	ImportNotUTF8          = "not_utf8"               // Args: the first line that is not UTF-8
	ImportEmptyFile        = "empty_file"             // Args: the required columns
	ImportBadHeader        = "unreadable_header"      // Args: the CSV syntax problem (English)
	ImportUnknownColumn    = "unknown_column"         // Args: the column, the columns read
	ImportRepeatedColumn   = "repeated_column"        // Args: the column
	ImportMissingColumn    = "missing_column"         // Args: the column, the required columns
	ImportUnreadable       = "unreadable"             // Args: the CSV syntax problem (English)
	ImportCellCount        = "cell_count"             // Args: the row's cells, the header's cells
	ImportTooManyRows      = "too_many_rows"          // Args: the most rows an import takes
	ImportNoRows           = "no_rows"                // the file has a header and nothing else
	ImportRepeatedEmail    = "repeated_email"         // Args: the line that has the email first
	ImportRepeatedUsername = "repeated_username"      // Args: the line that has the username first
	ImportAmbiguousEmail   = "ambiguous_email"        // Args: the ids of two records with the email
	ImportOwnRole          = "own_role"               // a row changing the importer's own role
	ImportOwnDeactivation  = "own_deactivation"       // a row deactivating the importer
	ImportNewUserPassword  = "new_user_password"      // a new user without a password
	ImportUserPassword     = "existing_user_password" // a password for a user who exists
	ImportRowForbidden     = "row_forbidden"          // the importer may not make this row's change
	ImportRowConflict      = "row_conflict"           // the row's change conflicts with the records
	ImportRowNotFound      = "row_not_found"          // the row names a record that is not there
	ImportRowRefused       = "row_refused"            // Args: why, in English
)

// ImportCodes lists every import problem code (a row's field errors add the FieldCodes), for
// documentation and for the catalogue tests of the adapters that translate them.
var ImportCodes = []string{ImportNotUTF8, ImportEmptyFile, ImportBadHeader, ImportUnknownColumn,
	ImportRepeatedColumn, ImportMissingColumn, ImportUnreadable, ImportCellCount, ImportTooManyRows, ImportNoRows,
	ImportRepeatedEmail, ImportRepeatedUsername, ImportAmbiguousEmail, ImportOwnRole, ImportOwnDeactivation,
	ImportNewUserPassword, ImportUserPassword, ImportRowForbidden, ImportRowConflict, ImportRowNotFound, ImportRowRefused}

// Summary says in words what the report counts, e.g. "12 created, 3 updated, 2 refused".
func (r *ImportReport) Summary() string {
	verb := ""
	if r.DryRun {
		verb = "would be "
	}
	s := fmt.Sprintf("%d rows: %d %screated, %d %supdated, %d unchanged, %d refused",
		r.Rows, r.Created, verb, r.Updated, verb, r.Unchanged, r.Refused)
	if len(r.Errors) > 0 && !r.DryRun {
		s += "; nothing was written"
	}
	return s
}

// Import outcomes of a row.
const (
	ImportCreate    = "create"
	ImportUpdate    = "update"
	ImportUnchanged = "unchanged"
)

// importKind is what an import of one kind of record reads and does with each row.
type importKind struct {
	// noun names one record in messages: "client".
	noun string
	// columns are the columns read; ignored those an export writes that an import skips, so
	// that an export can be edited and imported back; needed those a file must have.
	columns, ignored, needed []string
	// verbatim are the columns whose cells are read as they are: not trimmed, no quote undone
	// (a password).
	verbatim []string
	// unique are the columns besides email whose values may appear once in a file, each with
	// the key that compares them and its problem code.
	unique []uniqueColumn
	// prepare, when set, runs over the rows without errors before the transaction, for slow
	// work that must not hold it (hashing passwords).
	prepare func(s *Service, ctx context.Context, rows []importRecord, rep *ImportReport, dryRun bool) error
	// row creates or updates the record of one row with s, a service within the transaction.
	row func(s *Service, ctx context.Context, r importRecord) (ImportRow, error)
}

// uniqueColumn is a column whose values may appear once in a file.
type uniqueColumn struct {
	name, code string
	key        func(string) string
}

// clientImport is the import of clients: the other columns an export of clients writes (id,
// date_created, date_updated) are ignored.
var clientImport = &importKind{
	noun:    "client",
	columns: []string{"email", "first_name", "last_name", "phone", "mobile", "company", "status", "sales_contact_id"},
	ignored: []string{"id", "date_created", "date_updated"},
	needed:  []string{"email", "first_name", "last_name"},
	row:     (*Service).importClient,
}

// errRollback ends the transaction of a dry run, or of a file with errors, writing nothing.
var errRollback = errors.New("crm: import rolled back")

// ImportClients reads a CSV file of clients (UTF-8, a byte order mark allowed, a header line
// naming the columns) and creates or updates one client per row, matching an existing client
// by email (ignoring case) among those the caller may read. Every row goes through
// CreateClient or UpdateClient, so it is validated, scoped and audited as a single write is:
// a sales importer updates only their own clients and creates clients of their own.
//
// All rows are applied in one transaction, or none: when any row fails, or the file itself is
// bad (not UTF-8, missing or unknown columns, more rows than allowed, an email twice), the
// report lists every problem with its line number and nothing is written; the returned error
// is then an EINVALID listing them too. With dryRun, the rows are tried in a transaction that
// is always rolled back, so the report tells exactly what an import would do.
//
// An empty cell sets an empty value, except sales_contact_id, where it means "as it is" (the
// caller on a new client of a sales user). A cell starting with a single quote followed by =,
// +, -, @, a tab or a carriage return (how an export neutralises a formula) loses the quote.
func (s *Service) ImportClients(ctx context.Context, data []byte, dryRun bool) (*ImportReport, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !s.allowed(a, ResourceClient, ActionCreate) && !s.allowed(a, ResourceClient, ActionUpdate) {
		return nil, Errorf(EFORBIDDEN, "you may not create or change clients, so you may not import them")
	}
	return s.runImport(ctx, data, dryRun, clientImport)
}

// runImport reads an import file of kind k and applies its rows in one transaction (see
// ImportClients), or tries them in one that is rolled back for a dry run.
func (s *Service) runImport(ctx context.Context, data []byte, dryRun bool, k *importKind) (*ImportReport, error) {
	if s.tx == nil {
		return nil, Errorf(EINTERNAL, "this store cannot run an import in one transaction")
	}
	rep := &ImportReport{DryRun: dryRun, Results: []ImportRow{}, Errors: []ImportError{}}
	rows := s.readImport(data, k, rep)
	if len(rep.Errors) > 0 && len(rows) == 0 {
		return rep, rep.err()
	}
	rep.repeated(rows, uniqueColumn{name: "email", code: ImportRepeatedEmail, key: EmailKey}, k.noun)
	for _, u := range k.unique {
		rep.repeated(rows, u, k.noun)
	}
	if k.prepare != nil {
		if err := k.prepare(s, ctx, rows, rep, dryRun); err != nil {
			return nil, err
		}
	}
	err := s.tx.InTx(ctx, func(st TxStores) error {
		tx := s.withStores(st)
		for _, r := range rows {
			if rep.hasError(r.line) {
				continue
			}
			res, err := k.row(tx, ctx, r)
			var probs rowProblems
			switch {
			case errors.As(err, &probs):
				for _, p := range probs {
					p.Line = r.line
					rep.Errors = append(rep.Errors, p)
				}
			case err != nil && (aborts(err) || ctx.Err() != nil):
				return err
			case err != nil:
				rep.refuse(r.line, err)
			default:
				rep.Results = append(rep.Results, res)
			}
		}
		rep.count()
		if dryRun || len(rep.Errors) > 0 {
			return errRollback
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	if dryRun || len(rep.Errors) > 0 {
		for i := range rep.Results {
			if rep.Results[i].Action == ImportCreate {
				rep.Results[i].ID = 0 // rolled back
			}
		}
	}
	if dryRun {
		return rep, nil
	}
	if len(rep.Errors) > 0 {
		return rep, rep.err()
	}
	rep.Applied = true
	return rep, nil
}

// aborts reports whether a row's error ends the whole import rather than refusing the row: a
// failure of the system, not of the row.
func aborts(err error) bool {
	switch ErrorCode(err) {
	case EINTERNAL, EUNAVAILABLE, EBUSY:
		return true
	}
	return false
}

// rowProblems are the problems an import finds in a row by itself, before or instead of a
// write: returned by a row function, each is reported at the row's line.
type rowProblems []ImportError

func (p rowProblems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Field + ": " + e.Message
	}
	return "crm: import row refused: " + strings.Join(msgs, "; ")
}

// fieldProblems turns the field errors of a refused write into the problems of a row.
func fieldProblems(fields []FieldError) []ImportError {
	out := make([]ImportError, 0, len(fields))
	for _, f := range fields {
		code := string(f.Code)
		args := f.Args
		if code == "" {
			code, args = ImportRowRefused, []string{f.Message}
		}
		out = append(out, ImportError{Field: f.Field, Code: code, Message: f.Message, Args: args})
	}
	return out
}

// importClient creates or updates the client of one row.
func (s *Service) importClient(ctx context.Context, r importRecord) (ImportRow, error) {
	email := r.cells["email"]
	var in ClientInput
	for _, f := range []struct {
		col string
		dst *Opt[string]
	}{{"email", &in.Email}, {"first_name", &in.FirstName}, {"last_name", &in.LastName},
		{"phone", &in.Phone}, {"mobile", &in.Mobile}, {"company", &in.Company}} {
		if v, ok := r.cells[f.col]; ok {
			*f.dst = Some(v)
		}
	}
	if v, ok := r.cells["status"]; ok && v != "" {
		in.Status = Some(ClientStatus(v))
	}
	if v := r.cells["sales_contact_id"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return ImportRow{}, &Error{Code: EINVALID, Message: "invalid sales_contact_id",
				Fields: []FieldError{{Field: "sales_contact_id", Code: FieldInvalidValue, Message: "must be the id of a sales user (a positive integer)"}}}
		}
		in.SalesContactID = Some(&id)
	}
	existing, err := s.clientByEmail(ctx, email)
	if err != nil {
		return ImportRow{}, err
	}
	return importWrite(r, existing, func(c *Client) (int64, int64) { return c.ID, c.Version },
		func() (*Client, error) { return s.CreateClient(ctx, in) },
		func() (*Client, error) { return s.UpdateClient(ctx, existing.ID, in, 0) })
}

// importWrite creates the record of row r when existing is nil, or updates existing, and says
// what the row did: created, updated, or unchanged when the update left the record's version
// as it was. key returns a record's id and version.
func importWrite[T any](r importRecord, existing *T, key func(*T) (id, version int64), create, update func() (*T, error)) (ImportRow, error) {
	row := ImportRow{Line: r.line, Email: r.cells["email"], Action: ImportCreate}
	write := create
	if existing != nil {
		write = update
	}
	rec, err := write()
	if err != nil {
		return ImportRow{}, err
	}
	id, version := key(rec)
	row.ID = id
	if existing != nil {
		row.Action = ImportUpdate
		if _, before := key(existing); before == version {
			row.Action = ImportUnchanged
		}
	}
	return row, nil
}

// clientByEmail returns the client the caller may read whose email is email ignoring case, nil
// for none, or the row's problem when several are.
func (s *Service) clientByEmail(ctx context.Context, email string) (*Client, error) {
	if !validEmail(email) {
		return nil, nil // CreateClient says what is wrong with it
	}
	list, _, err := s.ListClients(ctx, ClientFilter{Email: email, ListOptions: ListOptions{Limit: MaxLimit}})
	if err != nil {
		return nil, err
	}
	key := EmailKey(email)
	var found *Client
	for _, c := range list {
		if EmailKey(c.Email) != key {
			continue
		}
		if found != nil {
			return nil, rowProblems{{Field: "email", Code: ImportAmbiguousEmail, Args: []string{strconv.FormatInt(found.ID, 10), strconv.FormatInt(c.ID, 10)},
				Message: fmt.Sprintf("clients %d and %d both have this email: change them one at a time", found.ID, c.ID)}}
		}
		found = c
	}
	return found, nil
}

// importRecord is one data row of an import file: its line and its cells by column name.
type importRecord struct {
	line  int
	cells map[string]string
	// hash is the hash of the row's password, made before the transaction (users only).
	hash string
}

// readImport checks the encoding and the header of an import file of kind k and returns its
// rows, adding every problem found to rep. It stops reading after the row limit.
func (s *Service) readImport(data []byte, k *importKind, rep *ImportReport) []importRecord {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	needed := strings.Join(k.needed, ", ")
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:invalidUTF8At(data)], []byte("\n"))
		rep.fileError(line, ImportNotUTF8, "the file is not UTF-8 text (line "+strconv.Itoa(line)+" holds bytes that are not): "+
			"save it again as \"CSV UTF-8\" (Excel, LibreOffice: Save As, character set Unicode UTF-8) and import that file", strconv.Itoa(line))
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		rep.fileError(0, ImportEmptyFile, "the file is empty: its first line must name the columns, e.g. "+strings.Join(k.needed, ","), needed)
		return nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		rep.fileError(1, ImportBadHeader, "cannot read the header line: "+csvProblem(err), csvDetail(err))
		return nil
	}
	known := append(append([]string{}, k.columns...), k.ignored...)
	cols := make([]string, len(header))
	at := map[string]bool{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !contains(known, name):
			rep.fileError(1, ImportUnknownColumn, fmt.Sprintf("unknown column %q: the columns are %s", h, strings.Join(known, ", ")),
				h, strings.Join(known, ", "))
		case at[name]:
			rep.fileError(1, ImportRepeatedColumn, fmt.Sprintf("column %q appears twice", name), name)
		}
		at[name] = true
		if contains(k.columns, name) {
			cols[i] = name
		}
	}
	for _, n := range k.needed {
		if !at[n] {
			rep.fileError(1, ImportMissingColumn, fmt.Sprintf("missing column %q: the columns %s are required", n, needed), n, needed)
		}
	}
	if len(rep.Errors) > 0 {
		return nil
	}
	r.FieldsPerRecord = len(header)
	var out []importRecord
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount) {
			rep.Rows++
			rep.Errors = append(rep.Errors, ImportError{Line: pe.StartLine, Code: ImportCellCount,
				Message: fmt.Sprintf("%d cells where the header has %d", len(rec), len(header)),
				Args:    []string{strconv.Itoa(len(rec)), strconv.Itoa(len(header))}})
			continue
		}
		if err != nil {
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			rep.fileError(line, ImportUnreadable, "cannot read the file from here on: "+csvProblem(err), csvDetail(err))
			return out
		}
		rep.Rows++
		if rep.Rows > s.importRows {
			rep.fileError(0, ImportTooManyRows, fmt.Sprintf("the file has more than %d rows, the most one import takes: split it into files of at most %d rows",
				s.importRows, s.importRows), strconv.Itoa(s.importRows))
			return nil
		}
		cells := make(map[string]string, len(cols))
		for i, name := range cols {
			switch {
			case contains(k.verbatim, name):
				cells[name] = rec[i]
			case name != "":
				cells[name] = uncell(strings.TrimSpace(rec[i]))
			}
		}
		out = append(out, importRecord{line: line, cells: cells})
	}
	if rep.Rows == 0 && len(rep.Errors) == 0 {
		rep.fileError(0, ImportNoRows, "the file has a header but no rows")
	}
	return out
}

// repeated refuses each row whose value in column u is that of an earlier row, comparing them
// by u.key; an empty value is left to the row's checks.
func (r *ImportReport) repeated(rows []importRecord, u uniqueColumn, noun string) {
	seen := map[string]int{}
	for _, row := range rows {
		v, ok := row.cells[u.name]
		key := u.key(v)
		if !ok || key == "" {
			continue
		}
		if first, dup := seen[key]; dup {
			r.Errors = append(r.Errors, ImportError{Line: row.line, Field: u.name, Code: u.code, Args: []string{strconv.Itoa(first)},
				Message: fmt.Sprintf("the same %s as line %d: each %s may appear once in a file", u.name, first, noun)})
			continue
		}
		seen[key] = row.line
	}
}

// csvProblem describes a CSV syntax error without repeating its line.
func csvProblem(err error) string {
	return csvDetail(err) + " (a cell that holds a quote, comma or line break must be within double quotes, its quotes doubled)"
}

// csvDetail is what the CSV reader says is wrong, without the line.
func csvDetail(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// invalidUTF8At returns the offset of the first byte of data that is not valid UTF-8.
func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// uncell undoes the formula neutralisation of an export: a single quote before =, +, -, @, a
// tab or a carriage return.
func uncell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.IndexByte("=+-@\t\r", s[1]) >= 0 {
		return s[1:]
	}
	return s
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (r *ImportReport) fileError(line int, code, msg string, args ...string) {
	r.Errors = append(r.Errors, ImportError{Line: line, Code: code, Message: msg, Args: args})
}

// refuse records why a row's write was refused: each bad field, or the error's message under
// a code for the kind of refusal.
func (r *ImportReport) refuse(line int, err error) {
	probs := fieldProblems(ErrorFields(err))
	if len(probs) == 0 {
		p := ImportError{Message: ErrorMessage(err)}
		switch ErrorCode(err) {
		case EFORBIDDEN:
			p.Code = ImportRowForbidden
		case ECONFLICT:
			p.Code = ImportRowConflict
		case ENOTFOUND:
			p.Code = ImportRowNotFound
		default:
			p.Code, p.Args = ImportRowRefused, []string{p.Message}
		}
		probs = append(probs, p)
	}
	for _, p := range probs {
		p.Line = line
		r.Errors = append(r.Errors, p)
	}
}

func (r *ImportReport) hasError(line int) bool {
	for _, e := range r.Errors {
		if e.Line == line && line > 0 {
			return true
		}
	}
	return false
}

// count fills the counters from the results and errors, and puts the errors in line order.
func (r *ImportReport) count() {
	slices.SortStableFunc(r.Errors, func(a, b ImportError) int { return a.Line - b.Line })
	r.Created, r.Updated, r.Unchanged = 0, 0, 0
	for _, x := range r.Results {
		switch x.Action {
		case ImportCreate:
			r.Created++
		case ImportUpdate:
			r.Updated++
		default:
			r.Unchanged++
		}
	}
	lines := map[int]bool{}
	for _, e := range r.Errors {
		if e.Line > 1 || (e.Line == 1 && e.Field != "") {
			lines[e.Line] = true
		}
	}
	r.Refused = len(lines)
}

// err is the EINVALID of a report with errors, listing each as "line N: field".
func (r *ImportReport) err() error {
	r.count()
	fields := make([]FieldError, 0, len(r.Errors))
	for _, e := range r.Errors {
		name := "file"
		if e.Line > 0 {
			name = "line " + strconv.Itoa(e.Line)
		}
		if e.Field != "" {
			name += ": " + e.Field
		}
		f := FieldError{Field: name, Message: e.Message, Args: e.Args}
		if slices.Contains(FieldCodes, FieldCode(e.Code)) {
			f.Code = FieldCode(e.Code)
		}
		fields = append(fields, f)
	}
	return &Error{Code: EINVALID, Fields: fields,
		Message: fmt.Sprintf("the import was refused and nothing was written: %d problems (%s)", len(r.Errors), r.Summary())}
}
