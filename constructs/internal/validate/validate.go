// Package validate collects the problems found in a construct's props and
// reports them all at once, naming the construct path and each prop.
package validate

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// Error lists every invalid prop of one construct.
type Error struct {
	// Kind is the construct's package, e.g. "serverlessapi".
	Kind string
	// Path is the construct path the construct would have had, e.g. "Voting/Api".
	Path string
	// Problems are "Prop: what is wrong" lines, in the order found.
	Problems []string
}

// Error renders `kind "path": problem` for one problem, and a list for several.
func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return fmt.Sprintf("%s %q: %s", e.Kind, e.Path, e.Problems[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q: %d invalid props:", e.Kind, e.Path, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p)
	}
	return b.String()
}

// Problems accumulates validation findings for one construct.
type Problems struct {
	kind, path string
	list       []string
}

// New starts collecting problems for the construct of the given kind that is
// about to be created as id under scope.
func New(kind string, scope constructs.Construct, id string) *Problems {
	path := id
	if scope != nil {
		if p := *scope.Node().Path(); p != "" {
			path = p + "/" + id
		}
	}
	return &Problems{kind: kind, path: path}
}

// Addf records that prop is invalid, with a formatted reason.
func (p *Problems) Addf(prop, format string, args ...any) {
	p.list = append(p.list, prop+": "+fmt.Sprintf(format, args...))
}

// Check records the problem when ok is false. It returns ok so callers can
// skip checks that depend on this one.
func (p *Problems) Check(ok bool, prop, format string, args ...any) bool {
	if !ok {
		p.Addf(prop, format, args...)
	}
	return ok
}

// Err returns the collected problems as an *Error, or nil when there are none.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &Error{Kind: p.kind, Path: p.path, Problems: append([]string(nil), p.list...)}
}

// PanicIfAny panics with the *Error when any problem was recorded. Constructs
// call it before creating resources, the way CDK constructs throw on bad
// props, so the message names every invalid prop instead of surfacing as a
// jsii stack trace from deep inside a resource.
func (p *Problems) PanicIfAny() {
	if err := p.Err(); err != nil {
		panic(err)
	}
}

// Catch runs f and returns the *Error it panicked with, or nil. Any other
// panic is re-raised. It lets tests and callers that prefer errors call a
// construct's New without crashing.
func Catch(f func()) (err *Error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				err = e
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}
