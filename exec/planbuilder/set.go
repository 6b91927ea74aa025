package planbuilder

import (
	"context"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/errs"
)

// SessionChange is what a `SET name = value [, ...]` or `USE name`
// statement asks of the session. The engine does not keep sessions: it
// returns the change (exec.Statement.SessionChange) and the front end
// validates and applies it to its session options. The zero value changes
// nothing.
type SessionChange struct {
	// Use is the target of USE (the name as written, unquoted), or "" for
	// SET. Resolving it (a schema of the current catalog) is the caller's
	// job, which knows the session.
	Use string
	// Set lists SET's assignments in statement order.
	Set []SessionAssignment
}

// SessionAssignment is one `name = value` of SET.
type SessionAssignment struct {
	// Name is the option name, lower-cased (`@@session.` prefixes removed).
	Name string
	// Value is the value as text: strings unquoted, numbers in decimal,
	// bare words (ON, OFF, UTC) as written. Empty when Default is set.
	Value string
	// Default reports `SET name = DEFAULT`: reset the option.
	Default bool
}

// IsSessionStatement reports whether sql starts (after blanks and
// comments) with the keyword SET or USE, i.e. whether BuildSessionChange
// may return a change. It is a cheap textual test that lets callers skip a
// second parse for every other statement.
func IsSessionStatement(sql string) bool {
	s := sql
	for {
		s = strings.TrimLeft(s, " \t\r\n\f\v")
		switch {
		case strings.HasPrefix(s, "--") || strings.HasPrefix(s, "#"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return false
			}
			s = s[i+1:]
			continue
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s[2:], "*/")
			if i < 0 {
				return false
			}
			s = s[i+4:]
			continue
		}
		break
	}
	if len(s) < 3 {
		return false
	}
	word := strings.ToUpper(s[:3])
	if word != "SET" && word != "USE" {
		return false
	}
	if len(s) == 3 {
		return true
	}
	c := s[3]
	return !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

// BuildSessionChange parses sql with p and, when it is a SET or USE
// statement, returns the change it asks for. For any other statement it
// returns (nil, nil): build it with Build. It never touches the catalog.
// Errors: ErrInvalid (syntax), ErrNotImplemented (SET GLOBAL, user
// variables, values that are expressions rather than constants).
func (b *Builder) BuildSessionChange(ctx context.Context, p *Parser, sql string) (sc *SessionChange, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, _ := b.Options.Get("ansi_quotes")
	p.SetANSIQuotes(strings.EqualFold(v, "true") || v == "1" || strings.EqualFold(v, "on"))
	stmt, err := p.Parse(sql, b.Limits.withDefaults())
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			sc, err = nil, errs.Internalf("planbuilder panic in SET/USE: %v\n%s", r, debug.Stack())
		}
	}()
	switch n := stmt.(type) {
	case *ast.UseStmt:
		if n.DBName == "" {
			return nil, errs.Invalidf("USE needs a schema name")
		}
		return &SessionChange{Use: n.DBName}, nil
	case *ast.SetStmt:
		out := &SessionChange{Set: make([]SessionAssignment, 0, len(n.Variables))}
		for _, va := range n.Variables {
			a, err := sessionAssignment(va)
			if err != nil {
				return nil, err
			}
			out.Set = append(out.Set, a)
		}
		return out, nil
	}
	return nil, nil
}

func sessionAssignment(va *ast.VariableAssignment) (SessionAssignment, error) {
	name := strings.ToLower(va.Name)
	switch {
	case va.Name == ast.SetNames || va.Name == ast.SetCharset:
		return SessionAssignment{}, errs.NotImplementedf("SET NAMES/CHARACTER SET is not supported; Quiver always uses UTF-8")
	case va.IsGlobal || va.IsInstance:
		return SessionAssignment{}, errs.NotImplementedf("SET GLOBAL is not supported; options are per session (SET %s = ...)", name)
	case !va.IsSystem:
		return SessionAssignment{}, errs.NotImplementedf("user variables (SET @%s) are not supported; set a session option instead", name)
	}
	switch x := va.Value.(type) {
	case *ast.DefaultExpr:
		return SessionAssignment{Name: name, Default: true}, nil
	case *test_driver.ValueExpr:
		var text string
		switch x.Kind() {
		case test_driver.KindString, test_driver.KindBytes:
			text = x.GetString()
		case test_driver.KindInt64:
			text = strconv.FormatInt(x.GetInt64(), 10)
		case test_driver.KindUint64:
			text = strconv.FormatUint(x.GetUint64(), 10)
		case test_driver.KindFloat64, test_driver.KindFloat32:
			text = strconv.FormatFloat(x.GetFloat64(), 'g', -1, 64)
		case test_driver.KindMysqlDecimal:
			text = x.GetMysqlDecimal().String()
		default:
			return SessionAssignment{}, errs.Invalidf("SET %s: value must be a string, number or ON/OFF", name)
		}
		return SessionAssignment{Name: name, Value: text}, nil
	case *ast.ColumnNameExpr: // a bare word: SET ansi_quotes = OFF, SET time_zone = UTC
		if x.Name.Table.L != "" {
			break
		}
		return SessionAssignment{Name: name, Value: x.Name.Name.O}, nil
	}
	return SessionAssignment{}, errs.NotImplementedf("SET %s: the value must be a constant (a string, number or ON/OFF), not an expression", name)
}
