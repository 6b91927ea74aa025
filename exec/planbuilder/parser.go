package planbuilder

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values (ast.NewValueExpr)

	"github.com/quiverdb/quiver/errs"
)

// Limits bound what one statement may ask of the front end (HARDENING.md).
// A zero field means the default in DefaultLimits.
type Limits struct {
	// MaxSQLBytes bounds the SQL text length in bytes (default 1 MiB).
	MaxSQLBytes int
	// MaxNestingDepth bounds parenthesis nesting, checked by a pre-scan
	// before the parser runs (default 1000). Expression trees (which can
	// nest without parentheses, e.g. a+a+a...) are bounded by
	// exprDepthFactor × MaxNestingDepth while binding.
	MaxNestingDepth int
	// MaxInListItems bounds the items of one IN list (default 100,000).
	MaxInListItems int
}

// DefaultLimits are used for zero fields of Limits.
var DefaultLimits = Limits{MaxSQLBytes: 1 << 20, MaxNestingDepth: 1000, MaxInListItems: 100_000}

// exprDepthFactor scales MaxNestingDepth into the bound on bound-expression
// depth: generated SQL (long OR chains) legitimately nests deeper than it
// parenthesises, but the planner and optimizer recurse over expressions and
// must never exhaust the goroutine stack.
const exprDepthFactor = 10

func (l Limits) withDefaults() Limits {
	if l.MaxSQLBytes <= 0 {
		l.MaxSQLBytes = DefaultLimits.MaxSQLBytes
	}
	if l.MaxNestingDepth <= 0 {
		l.MaxNestingDepth = DefaultLimits.MaxNestingDepth
	}
	if l.MaxInListItems <= 0 {
		l.MaxInListItems = DefaultLimits.MaxInListItems
	}
	return l
}

// Parser parses MySQL-dialect SQL. It wraps one TiDB parser, which keeps
// state between calls and is NOT safe for concurrent use: hold one Parser per
// session (or per goroutine) and reuse it. The zero value is not usable; call
// NewParser.
type Parser struct {
	p          *parser.Parser
	ansiQuotes bool
}

// NewParser returns a parser in MySQL's default SQL mode.
func NewParser() *Parser {
	return &Parser{p: parser.New()}
}

// SetANSIQuotes makes double quotes delimit identifiers (MySQL's ANSI_QUOTES
// SQL mode) instead of strings, for clients that emit standard SQL.
func (p *Parser) SetANSIQuotes(on bool) {
	if on == p.ansiQuotes {
		return
	}
	p.ansiQuotes = on
	mode, _ := mysql.GetSQLMode(mysql.DefaultSQLMode)
	if on {
		mode |= mysql.ModeANSIQuotes
	}
	p.p.SetSQLMode(mode)
}

// Parse checks the limits that protect the parser (text size, parenthesis
// nesting) and that the text is UTF-8, parses exactly one statement, then checks IN-list sizes. Errors:
// ErrResourceExhausted naming the limit; ErrInvalid for syntax errors (with
// line, column and the text near the error) and for zero or several
// statements. The returned AST belongs to the caller; it must not be used
// after the next Parse on the same Parser.
func (p *Parser) Parse(sql string, lim Limits) (ast.StmtNode, error) {
	lim = lim.withDefaults()
	if len(sql) > lim.MaxSQLBytes {
		return nil, errs.Exhaustedf("SQL text is %d bytes, over the limit of %d bytes (MaxSQLBytes)", len(sql), lim.MaxSQLBytes)
	}
	if !utf8.ValidString(sql) {
		// Messages echo the text, and gRPC statuses must be valid UTF-8;
		// binary values are written as x'..' literals.
		return nil, errs.Invalidf("SQL text is not valid UTF-8 (write binary values as x'...' literals)")
	}
	if err := checkNesting(sql, lim.MaxNestingDepth); err != nil {
		return nil, err
	}
	stmts, _, err := p.parse(sql)
	if err != nil {
		return nil, syntaxError(err)
	}
	switch len(stmts) {
	case 0:
		return nil, errs.Invalidf("empty statement: expected one SQL statement")
	case 1:
	default:
		return nil, errs.Invalidf("%d statements given: send one SQL statement at a time", len(stmts))
	}
	v := &inListChecker{max: lim.MaxInListItems}
	stmts[0].Accept(v)
	if v.err != nil {
		return nil, v.err
	}
	return stmts[0], nil
}

// parse runs the TiDB parser, converting a panic inside it into an error:
// the parser is third-party code fed untrusted text.
func (p *Parser) parse(sql string) (stmts []ast.StmtNode, warns []error, err error) {
	defer func() {
		if r := recover(); r != nil {
			// The parser's state is unknown after a panic; start afresh.
			p.p = parser.New()
			if p.ansiQuotes {
				p.ansiQuotes = false
				p.SetANSIQuotes(true)
			}
			stmts, warns, err = nil, nil, errs.Internalf("SQL parser panic: %v", r)
		}
	}()
	return p.p.ParseSQL(sql)
}

// checkNesting scans sql for parenthesis depth, skipping string literals,
// quoted identifiers and comments, and fails when it exceeds max. It is a
// single linear pass with O(1) memory so it is safe on any input; it runs
// before the parser, whose recursion overflows the stack on deep nesting.
func checkNesting(sql string, max int) error {
	depth := 0
	n := len(sql)
	for i := 0; i < n; i++ {
		c := sql[i]
		switch {
		case c == '(':
			depth++
			if depth > max {
				line, col := position(sql, i)
				return errs.Exhaustedf("parentheses nest deeper than %d (MaxNestingDepth) at line %d column %d", max, line, col)
			}
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == '\'' || c == '"' || c == '`':
			// Quoted text: a doubled quote is an escaped quote; backslash
			// escapes apply inside ' and " (MySQL default mode).
			i++
			for i < n {
				if sql[i] == '\\' && c != '`' {
					i += 2
					continue
				}
				if sql[i] == c {
					if i+1 < n && sql[i+1] == c {
						i += 2
						continue
					}
					break
				}
				i++
			}
		case c == '#' || (c == '-' && i+2 < n && sql[i+1] == '-' && (sql[i+2] == ' ' || sql[i+2] == '\t' || sql[i+2] == '\n' || sql[i+2] == '\r')) || (c == '-' && i+2 == n && sql[i+1] == '-'):
			for i < n && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil // unterminated comment: the parser reports it
			}
			i += 2 + end + 1
		}
	}
	return nil
}

// position converts a byte offset to a 1-based line and column.
func position(sql string, off int) (line, col int) {
	line = 1 + strings.Count(sql[:off], "\n")
	col = off - strings.LastIndexByte(sql[:off], '\n')
	return line, col
}

var syntaxRe = regexp.MustCompile(`line (\d+) column (\d+) near "((?s).*)"`)

// syntaxError turns the parser's long message into a short ErrInvalid one
// that keeps the position and the text near the error.
func syntaxError(err error) error {
	msg := err.Error()
	m := syntaxRe.FindStringSubmatch(msg)
	if m == nil {
		msg = truncate(msg, 200)
		return errs.Invalidf("SQL syntax error: %s", msg)
	}
	near := m[3]
	if i := strings.IndexByte(near, '\n'); i >= 0 {
		near = near[:i]
	}
	near = truncate(near, 40)
	if near == "" {
		return errs.Invalidf("SQL syntax error at line %s column %s: unexpected end of statement", m[1], m[2])
	}
	return errs.Invalidf("SQL syntax error at line %s column %s near %q", m[1], m[2], near)
}

// inListChecker rejects IN lists longer than the limit.
type inListChecker struct {
	max int
	err error
}

func (v *inListChecker) Enter(n ast.Node) (ast.Node, bool) {
	if v.err != nil {
		return n, true
	}
	if in, ok := n.(*ast.PatternInExpr); ok && len(in.List) > v.max {
		v.err = errs.Exhaustedf("IN list has %d items, over the limit of %d (MaxInListItems)", len(in.List), v.max)
		return n, true
	}
	return n, false
}

func (v *inListChecker) Leave(n ast.Node) (ast.Node, bool) { return n, v.err == nil }

// truncate shortens s to at most n bytes plus "...", on a rune boundary so
// the result stays valid UTF-8.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
