package planbuilder

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// Builder binds SQL against a catalog root for one session. It holds no
// per-statement state, so one Builder may build many statements, and from
// several goroutines as long as each uses its own Parser. The zero value is
// not usable: Root is required.
type Builder struct {
	// Root is the set of catalogs names resolve against.
	Root *catalog.Root
	// Options are the session's options; Catalog and Schema are the current
	// ones for unqualified names. Values["ansi_quotes"] == "true" turns on
	// MySQL's ANSI_QUOTES mode.
	Options catalog.Options
	// Limits bound the statement; zero fields mean DefaultLimits.
	Limits Limits
	// Funcs resolves scalar function calls; nil means exec/expr's built-in
	// functions.
	Funcs *expr.Registry
}

// Build parses sql with p (see Parser.Parse for the limits) and binds it.
// The returned plan is unoptimized. It does metadata work only (catalog
// lookups, Table.Schema), never provider I/O. Errors carry errs kinds:
// ErrInvalid (syntax, types, misuse), ErrNotFound (unknown catalog, schema,
// table or column, named), ErrNotImplemented (a construct not supported
// yet, named), ErrPermission (writing a read-only table or schema),
// ErrResourceExhausted (limits). A panic while binding is returned as
// ErrInternal.
func (b *Builder) Build(ctx context.Context, p *Parser, sql string) (plan logical.Plan, err error) {
	if b.Root == nil {
		return nil, errs.Internalf("planbuilder: Builder.Root is nil")
	}
	// Always set the mode: a pooled Parser may come from another session.
	v, _ := b.Options.Get("ansi_quotes")
	p.SetANSIQuotes(strings.EqualFold(v, "true") || v == "1" || strings.EqualFold(v, "on"))
	lim := b.Limits.withDefaults()
	if len(sql) > lim.MaxSQLBytes { // before the rewrite below touches it
		return nil, errs.Exhaustedf("SQL text is %d bytes, over the limit of %d bytes (MaxSQLBytes)", len(sql), lim.MaxSQLBytes)
	}
	rewritten := rewriteCatalogNames(sql)
	lim.MaxSQLBytes += len(rewritten) - len(sql)
	stmt, err := p.Parse(rewritten, lim)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			plan, err = nil, errs.Internalf("planbuilder panic: %v\n%s", r, debug.Stack())
		}
	}()
	s := &stmtBuilder{b: b, ctx: ctx, lim: lim, maxExprDepth: lim.MaxNestingDepth * exprDepthFactor}
	if show := showOf(stmt); show != nil {
		// SHOW and DESCRIBE become queries over INFORMATION_SCHEMA (show.go).
		q, err := s.showSQL(show)
		if err != nil {
			return nil, err
		}
		return b.Build(ctx, p, q)
	}
	return s.buildStmt(stmt)
}

// showOf returns the SHOW statement stmt is (DESCRIBE t is an EXPLAIN of a
// SHOW COLUMNS), or nil.
func showOf(stmt ast.StmtNode) *ast.ShowStmt {
	switch n := stmt.(type) {
	case *ast.ShowStmt:
		return n
	case *ast.ExplainStmt:
		if sh, ok := n.Stmt.(*ast.ShowStmt); ok && sh.Tp == ast.ShowColumns {
			return sh
		}
	}
	return nil
}

// stmtBuilder holds the state of one Build call.
type stmtBuilder struct {
	b            *Builder
	ctx          context.Context
	lim          Limits
	maxExprDepth int
	q            queryState // CTEs, outer scopes, subqueries (cte.go, subquery.go)
}

func (s *stmtBuilder) buildStmt(stmt ast.StmtNode) (logical.Plan, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	switch n := stmt.(type) {
	case *ast.SelectStmt:
		return s.buildSelect(n)
	case *ast.SetOprStmt:
		return s.buildSetOpr(n)
	case *ast.ExplainStmt:
		return s.buildExplain(n)
	case *ast.CreateTableStmt:
		return s.buildCreateTable(n)
	case *ast.DropTableStmt:
		return s.buildDropTable(n)
	case *ast.InsertStmt:
		return s.buildInsert(n)
	case *ast.DeleteStmt: // dml.go
		return s.buildDelete(n)
	case *ast.UpdateStmt:
		return s.buildUpdate(n)
	case *ast.TruncateTableStmt:
		return s.buildTruncate(n)
	case *ast.CreateIndexStmt:
		return s.buildCreateIndex(n)
	case *ast.DropIndexStmt:
		return s.buildDropIndex(n)
	case *ast.AlterTableStmt:
		return s.buildAlterTable(n)
	case *ast.CreateViewStmt: // views.go
		return s.buildCreateView(n)
	case *ast.SetStmt:
		return nil, errs.NotImplementedf("SET is not supported yet")
	case *ast.UseStmt:
		return nil, errs.NotImplementedf("USE is not supported yet")
	}
	return nil, errs.NotImplementedf("%s statements are not supported", stmtName(stmt))
}

// stmtName names a statement kind for messages: *ast.UpdateStmt → UPDATE.
func stmtName(stmt ast.StmtNode) string {
	name := strings.TrimPrefix(fmt.Sprintf("%T", stmt), "*ast.")
	name = strings.TrimSuffix(name, "Stmt")
	var sb strings.Builder
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			sb.WriteByte(' ')
		}
		sb.WriteRune(r)
	}
	return strings.ToUpper(sb.String())
}

func (s *stmtBuilder) buildExplain(n *ast.ExplainStmt) (logical.Plan, error) {
	switch n.Stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.InsertStmt, *ast.DeleteStmt, *ast.UpdateStmt:
	case *ast.ShowStmt:
		return nil, errs.NotImplementedf("DESCRIBE/EXPLAIN of a table is not supported yet")
	default:
		return nil, errs.NotImplementedf("EXPLAIN of %s statements is not supported", stmtName(n.Stmt))
	}
	if f := strings.ToLower(n.Format); f != "" && f != "row" && f != "brief" && f != "tidb_json" {
		return nil, errs.NotImplementedf("EXPLAIN FORMAT=%s is not supported", n.Format)
	}
	in, err := s.buildStmt(n.Stmt)
	if err != nil {
		return nil, err
	}
	return &logical.Explain{Input: in, Analyze: n.Analyze}, nil
}

// catalogSep joins a catalog and a schema name in the schema part of a
// rewritten three-part table name (see rewriteCatalogNames).
const catalogSep = "\x1f"

// tableName resolves an AST table name to a fully qualified name, using the
// session's current catalog and schema for missing parts.
func (s *stmtBuilder) tableName(tn *ast.TableName) (catalog.Name, error) {
	n := catalog.Name{Catalog: s.b.Options.Catalog, Schema: s.b.Options.Schema, Table: tn.Name.O}
	if sch := tn.Schema.O; sch != "" {
		if c, sc, ok := strings.Cut(sch, catalogSep); ok {
			n.Catalog, n.Schema = c, sc
		} else {
			n.Schema = sch
		}
	}
	if n.Catalog == "" {
		names := s.b.Root.CatalogNames()
		if len(names) != 1 {
			return n, errs.Invalidf("no catalog selected: qualify table %s as catalog.schema.table or set the session catalog", tn.Name.O)
		}
		n.Catalog = names[0]
	}
	if n.Schema == "" {
		return n, errs.Invalidf("no database selected: qualify table %s as schema.table or set the session schema", tn.Name.O)
	}
	return n, nil
}

// resolveSchema finds the schema of n.
func (s *stmtBuilder) resolveSchema(n catalog.Name) (catalog.Schema, error) {
	c, err := s.b.Root.Catalog(n.Catalog)
	if err != nil {
		return nil, err
	}
	return c.Schema(n.Schema)
}

// resolveTable finds the table n names; ErrNotFound names it in full.
func (s *stmtBuilder) resolveTable(n catalog.Name) (catalog.Table, error) {
	sch, err := s.resolveSchema(n)
	if err != nil {
		return nil, err
	}
	t, err := sch.Table(s.ctx, n.Table)
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return nil, errs.NotFoundf("table '%s' doesn't exist", n)
		}
		return nil, err
	}
	return t, nil
}

// buildFrom binds a FROM clause. It walks the join tree so that joins only
// need a join node and scope concatenation here.
func (s *stmtBuilder) buildFrom(from *ast.TableRefsClause) (logical.Plan, *scope, error) {
	if from == nil {
		// SELECT without FROM reads one row of no columns.
		return &logical.Values{Out: arrow.NewSchema(nil, nil), Rows: [][]expr.Expr{{}}}, &scope{}, nil
	}
	return s.buildResultSet(from.TableRefs)
}

func (s *stmtBuilder) buildResultSet(rs ast.ResultSetNode) (logical.Plan, *scope, error) {
	switch n := rs.(type) {
	case *ast.Join:
		if n.Right != nil {
			return s.buildJoin(n)
		}
		return s.buildResultSet(n.Left)
	case *ast.TableSource:
		switch src := n.Source.(type) {
		case *ast.TableName:
			if src.Schema.O == "" {
				if d := s.q.lookupCTE(src.Name.O); d != nil {
					return s.buildCTERef(d, n.AsName.O)
				}
			}
			return s.buildTableScan(src, n.AsName.O)
		case *ast.SelectStmt, *ast.SetOprStmt:
			return s.buildDerived(src, n)
		case *ast.Join:
			return s.buildResultSet(src)
		default:
			return nil, nil, errs.NotImplementedf("%T in FROM is not supported", src)
		}
	}
	return nil, nil, errs.NotImplementedf("%T in FROM is not supported", rs)
}

func (s *stmtBuilder) buildTableScan(tn *ast.TableName, alias string) (logical.Plan, *scope, error) {
	if tn.AsOf != nil {
		return nil, nil, errs.NotImplementedf("AS OF is not supported")
	}
	if len(tn.PartitionNames) > 0 {
		return nil, nil, errs.NotImplementedf("PARTITION selection is not supported")
	}
	if tn.TableSample != nil {
		return nil, nil, errs.NotImplementedf("TABLESAMPLE is not supported")
	}
	name, err := s.tableName(tn)
	if err != nil {
		return nil, nil, err
	}
	if def, ok, err := s.lookupView(name); err != nil {
		return nil, nil, err
	} else if ok {
		return s.expandView(def, name, alias) // views.go
	}
	t, err := s.resolveTable(name)
	if err != nil {
		return nil, nil, err
	}
	sch := t.Schema()
	sc := &scope{cols: make([]scopeColumn, sch.NumFields())}
	for i, f := range sch.Fields() {
		c := scopeColumn{name: f.Name, typ: f.Type}
		if alias != "" {
			c.table = alias
		} else {
			c.catalog, c.schema, c.table = name.Catalog, name.Schema, tn.Name.O
		}
		sc.cols[i] = c
	}
	return &logical.Scan{Name: name, Table: t, Limit: -1}, sc, nil
}
