package httpapi

import (
	"reflect"
	"strconv"
	"time"

	"github.com/epicevents/epiccrm/crm"
)

// The types the decoder and the OpenAPI document describe specially.
var (
	moneyType = reflect.TypeOf(crm.Money(0))
	dateType  = reflect.TypeOf(crm.Date{})
	timeType  = reflect.TypeOf(time.Time{})
)

// enums lists the values of the domain's string enumerations.
var enums = map[reflect.Type][]string{
	reflect.TypeOf(crm.Role("")):           strs(crm.Roles),
	reflect.TypeOf(crm.UserKind("")):       {string(crm.KindPerson), string(crm.KindService)},
	reflect.TypeOf(crm.ClientStatus("")):   {string(crm.ClientPotential), string(crm.ClientExisting)},
	reflect.TypeOf(crm.ContractStatus("")): {string(crm.ContractOpen), string(crm.ContractSigned)},
	reflect.TypeOf(crm.EventStatus("")):    {string(crm.EventOpen), string(crm.EventClosed)},
	reflect.TypeOf(crm.Action("")):         strs(crm.Actions),
	reflect.TypeOf(crm.Resource("")):       auditResources(),
	reflect.TypeOf(crm.FieldCode("")):      strs(crm.FieldCodes),
}

// enumValues returns the values of an enumeration type, or nil for another type.
func enumValues(t reflect.Type) []string { return enums[t] }

// auditResources are the resources an audit entry can be about.
func auditResources() []string {
	var out []string
	for _, r := range crm.Resources {
		if r != crm.ResourceAudit {
			out = append(out, string(r))
		}
	}
	return out
}

// strs converts a slice of string-based values to strings.
func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// typeOf returns the reflect.Type of T.
func typeOf[T any]() reflect.Type { return reflect.TypeOf((*T)(nil)).Elem() }
