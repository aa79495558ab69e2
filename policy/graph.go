package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/epicevents/epiccrm/crm"
)

// MaxDepth is the longest chain of g lines a policy may have between a user role and a role it
// inherits. Casbin's default role manager follows no more than that, so the permissions of a
// deeper role would silently not apply; such a chain is refused instead.
const MaxDepth = 10

// roleGraph is the inheritance between the roles of a policy.
type roleGraph struct {
	parents map[string][]rule // the g rules of each role, in line order
	granted map[string]bool   // the roles that some p line names
}

func newRoleGraph(rules []rule) *roleGraph {
	g := &roleGraph{parents: map[string][]rule{}, granted: map[string]bool{}}
	for _, r := range rules {
		switch {
		case r.kind == "p" && r.vals[0] != "":
			g.granted[r.vals[0]] = true
		case r.kind == "g" && r.vals[0] != "" && r.vals[1] != "":
			g.parents[r.vals[0]] = append(g.parents[r.vals[0]], r)
		}
	}
	return g
}

// checkRoles records the problems that come from the roles of rules taken together: cycles,
// chains too deep, roles no user can hold, inherited roles without permissions.
func checkRoles(rules []rule, ps *problems) {
	g := newRoleGraph(rules)
	g.checkCycles(ps)
	held := g.checkDepth(ps)
	for _, r := range rules {
		role := r.vals[0]
		if role != "" && !held[role] {
			ps.add(r.line, r.text, "%s", unheldReason(r.kind, role))
		}
		if r.kind == "g" && r.vals[1] != "" && !g.hasPermissions(r.vals[1], map[string]bool{}) {
			ps.add(r.line, r.text, "role %q has no permissions to inherit: give it some with p lines, or remove this line", r.vals[1])
		}
	}
}

// unheldReason explains why a role that no user role holds or inherits is refused.
func unheldReason(kind, role string) string {
	for _, u := range crm.Roles {
		if strings.EqualFold(role, string(u)) {
			return fmt.Sprintf("unknown role %q: role names are case-sensitive; did you mean %q?", role, u)
		}
	}
	if kind == "g" {
		return fmt.Sprintf("role %q can never apply: users hold only the roles %s, so no user can hold a new role; "+
			"give the extra permissions to one of these roles, or to a group it inherits (e.g. \"g, %s, %s\")",
			role, joinRoles(), crm.RoleSales, role)
	}
	return fmt.Sprintf("role %q can never apply: users hold only the roles %s, and none of them inherits %q; "+
		"give the permission to one of these roles, or make one inherit %q (e.g. \"g, %s, %s\")",
		role, joinRoles(), role, role, crm.RoleSales, role)
}

func joinRoles() string {
	names := make([]string, len(crm.Roles))
	for i, r := range crm.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// checkCycles records each g line that closes a cycle of inheritance, with the cycle.
func (g *roleGraph) checkCycles(ps *problems) {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(role string)
	visit = func(role string) {
		state[role] = onPath
		path = append(path, role)
		for _, r := range g.parents[role] {
			parent := r.vals[1]
			switch state[parent] {
			case onPath:
				cycle := append(slices.Clone(path[slices.Index(path, parent):]), parent)
				ps.add(r.line, r.text, "role inheritance forms a cycle (%s): remove one of its g lines",
					strings.Join(cycle, " -> "))
			case unseen:
				visit(parent)
			}
		}
		path = path[:len(path)-1]
		state[role] = done
	}
	roles := make([]string, 0, len(g.parents))
	for role := range g.parents {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		if state[role] == unseen {
			visit(role)
		}
	}
}

// checkDepth walks the inheritance of each user role breadth first, as Casbin does, records
// each g line that reaches a role more than MaxDepth lines away, and returns every role that a
// user role is or inherits.
func (g *roleGraph) checkDepth(ps *problems) map[string]bool {
	held := map[string]bool{}
	tooDeep := map[int]bool{}
	for _, u := range crm.Roles {
		dist := map[string]int{string(u): 0}
		held[string(u)] = true
		for queue := []string{string(u)}; len(queue) > 0; queue = queue[1:] {
			role := queue[0]
			for _, r := range g.parents[role] {
				parent := r.vals[1]
				if _, seen := dist[parent]; seen {
					continue
				}
				dist[parent] = dist[role] + 1
				held[parent] = true
				queue = append(queue, parent)
				if dist[parent] > MaxDepth && !tooDeep[r.line] {
					tooDeep[r.line] = true
					ps.add(r.line, r.text, "%s would inherit %q through %d g lines, more than the %d that are followed: "+
						"inherit it more directly", u, parent, dist[parent], MaxDepth)
				}
			}
		}
	}
	return held
}

// hasPermissions reports whether role has a p line of its own or inherits one. seen guards
// against cycles, which are reported separately.
func (g *roleGraph) hasPermissions(role string, seen map[string]bool) bool {
	if g.granted[role] {
		return true
	}
	if seen[role] {
		return false
	}
	seen[role] = true
	for _, r := range g.parents[role] {
		if g.hasPermissions(r.vals[1], seen) {
			return true
		}
	}
	return false
}
