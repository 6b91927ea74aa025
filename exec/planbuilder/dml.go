package planbuilder

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// DELETE, UPDATE and TRUNCATE (MySQL's single-table forms) become a
// logical.Rewrite over a catalog.Rewritable table: WHERE and SET are bound
// to the table's schema and evaluated by the engine batch by batch
// (operator.NewRowEditor). UPDATE counts rows changed, as MySQL does.
// Uncorrelated subqueries in WHERE and SET run once before the rows are
// touched (logical.Rewrite's children). Not supported yet: multi-table
// forms, correlated subqueries, ORDER BY together with LIMIT.

// rewriteTarget resolves the single table a DELETE/UPDATE names and checks
// it can be rewritten; it returns the table's scope (columns qualified by
// alias, else the table's name).
func (s *stmtBuilder) rewriteTarget(refs *ast.TableRefsClause, verb string) (catalog.Name, catalog.Rewritable, catalog.Table, *scope, error) {
	var zero catalog.Name
	if refs == nil || refs.TableRefs == nil {
		return zero, nil, nil, nil, errs.Invalidf("%s needs a table", verb)
	}
	ts, ok := refs.TableRefs.Left.(*ast.TableSource)
	if !ok || refs.TableRefs.Right != nil {
		return zero, nil, nil, nil, errs.NotImplementedf("multi-table %s is not supported yet; name one table", verb)
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return zero, nil, nil, nil, errs.NotImplementedf("%s of a derived table is not supported", verb)
	}
	if len(tn.PartitionNames) > 0 {
		return zero, nil, nil, nil, errs.NotImplementedf("PARTITION selection is not supported")
	}
	name, err := s.tableName(tn)
	if err != nil {
		return zero, nil, nil, nil, err
	}
	if _, isView, err := s.lookupView(name); err != nil {
		return zero, nil, nil, nil, err
	} else if isView {
		return zero, nil, nil, nil, errs.NotImplementedf("the target table %s of the %s is a view; views are not updatable", name.Table, verb)
	}
	t, err := s.resolveTable(name)
	if err != nil {
		return zero, nil, nil, nil, err
	}
	target, ok := t.(catalog.Rewritable)
	if !ok {
		return zero, nil, nil, nil, errs.NotImplementedf("table %s does not support %s (its provider cannot delete or update rows)", name, verb)
	}
	sch := t.Schema()
	sc := &scope{cols: make([]scopeColumn, sch.NumFields())}
	for i, f := range sch.Fields() {
		c := scopeColumn{name: f.Name, typ: f.Type}
		if a := ts.AsName.O; a != "" {
			c.table = a
		} else {
			c.catalog, c.schema, c.table = name.Catalog, name.Schema, tn.Name.O
		}
		sc.cols[i] = c
	}
	return name, target, t, sc, nil
}

// rewriteWhere binds a DELETE/UPDATE WHERE clause (nil when absent). A
// constant TRUE is dropped. Subqueries go to s.q.subs (see
// beginRewriteSubqueries).
func (s *stmtBuilder) rewriteWhere(where ast.ExprNode, sc *scope) (expr.Expr, error) {
	if where == nil {
		return nil, nil
	}
	c := &exprCtx{s: s, sc: sc, clause: "where clause"}
	e, err := c.bind(where)
	if err != nil {
		return nil, err
	}
	if l, ok := e.(*expr.Literal); ok {
		if b, isBool := l.Value.(bool); isBool && b {
			return nil, nil
		}
	}
	return e, nil
}

// rewriteLimit reads DELETE/UPDATE's ORDER BY and LIMIT: ORDER BY alone
// changes nothing (every matched row is affected) and is ignored; with a
// LIMIT it would choose the rows, which is not supported yet.
func (s *stmtBuilder) rewriteLimit(order *ast.OrderByClause, limit *ast.Limit, verb string) (int64, error) {
	if limit == nil {
		return -1, nil
	}
	if order != nil && len(order.Items) > 0 {
		return 0, errs.NotImplementedf("%s with ORDER BY and LIMIT is not supported yet; use a WHERE clause that selects the rows", verb)
	}
	if limit.Offset != nil {
		return 0, errs.Invalidf("%s takes LIMIT row_count, not an offset", verb)
	}
	return s.limitArg(limit.Count)
}

// buildDelete binds DELETE FROM t [WHERE ...] [ORDER BY ...] [LIMIT n].
func (s *stmtBuilder) buildDelete(n *ast.DeleteStmt) (logical.Plan, error) {
	switch {
	case n.IsMultiTable:
		return nil, errs.NotImplementedf("multi-table DELETE is not supported yet; delete from one table at a time")
	case n.With != nil:
		return nil, errs.NotImplementedf("WITH ... DELETE is not supported yet")
	case n.IgnoreErr:
		return nil, errs.NotImplementedf("DELETE IGNORE is not supported")
	}
	name, target, t, sc, err := s.rewriteTarget(n.TableRefs, "DELETE")
	if err != nil {
		return nil, err
	}
	coll, done := s.beginRewriteSubqueries()
	defer done()
	where, err := s.rewriteWhere(n.Where, sc)
	if err != nil {
		return nil, err
	}
	limit, err := s.rewriteLimit(n.Order, n.Limit, "DELETE")
	if err != nil {
		return nil, err
	}
	r := &logical.Rewrite{Kind: logical.RewriteDelete, Name: name, Target: target, TableSchema: t.Schema(), Where: where, Limit: limit}
	if err := resolveRewriteSubqueries(coll, r); err != nil {
		return nil, err
	}
	return r, nil
}

// buildUpdate binds UPDATE t SET c = expr, ... [WHERE ...] [ORDER BY ...]
// [LIMIT n]. Each value is cast to its column's type (a string literal that
// is not a number is rejected for a numeric column, as MySQL's strict mode
// does) and reads the row as the assignments before it left it.
func (s *stmtBuilder) buildUpdate(n *ast.UpdateStmt) (logical.Plan, error) {
	switch {
	case n.MultipleTable:
		return nil, errs.NotImplementedf("multi-table UPDATE is not supported yet; update one table at a time")
	case n.With != nil:
		return nil, errs.NotImplementedf("WITH ... UPDATE is not supported yet")
	case n.IgnoreErr:
		return nil, errs.NotImplementedf("UPDATE IGNORE is not supported")
	case len(n.List) == 0:
		return nil, errs.Invalidf("UPDATE needs at least one assignment")
	}
	name, target, t, sc, err := s.rewriteTarget(n.TableRefs, "UPDATE")
	if err != nil {
		return nil, err
	}
	tsch := t.Schema()
	coll, done := s.beginRewriteSubqueries()
	defer done()
	sets := make([]logical.Assignment, 0, len(n.List))
	c := &exprCtx{s: s, sc: sc, clause: "field list"}
	for _, a := range n.List {
		idx, err := sc.resolve(a.Column, "field list")
		if err != nil {
			return nil, err
		}
		f := tsch.Field(idx)
		var v expr.Expr
		if _, isDefault := a.Expr.(*ast.DefaultExpr); isDefault {
			v = expr.Null(f.Type) // Quiver has no column defaults: DEFAULT is NULL
		} else if v, err = c.bindHinted(a.Expr, f.Type); err != nil {
			return nil, err
		}
		if l, ok := v.(*expr.Literal); ok {
			if l.Value == nil && !f.Nullable {
				return nil, errs.Invalidf("column '%s' cannot be null", f.Name)
			}
			if err := strictNumber(l, f, 1); err != nil {
				return nil, err
			}
		}
		cast, err := expr.NewCast(v, f.Type)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "column '%s' cannot be set to %s", f.Name, v)
		}
		if err := strictLiteral(v, cast, f, 1); err != nil {
			return nil, err
		}
		sets = append(sets, logical.Assignment{Column: idx, Name: f.Name, Value: cast})
	}
	where, err := s.rewriteWhere(n.Where, sc)
	if err != nil {
		return nil, err
	}
	limit, err := s.rewriteLimit(n.Order, n.Limit, "UPDATE")
	if err != nil {
		return nil, err
	}
	r := &logical.Rewrite{Kind: logical.RewriteUpdate, Name: name, Target: target, TableSchema: tsch, Where: where, Sets: sets, Limit: limit}
	if err := resolveRewriteSubqueries(coll, r); err != nil {
		return nil, err
	}
	return r, nil
}

// buildTruncate binds TRUNCATE [TABLE] t: every row goes, 0 rows affected.
func (s *stmtBuilder) buildTruncate(n *ast.TruncateTableStmt) (logical.Plan, error) {
	refs := &ast.TableRefsClause{TableRefs: &ast.Join{Left: &ast.TableSource{Source: n.Table}}}
	name, target, t, _, err := s.rewriteTarget(refs, "TRUNCATE")
	if err != nil {
		return nil, err
	}
	return &logical.Rewrite{Kind: logical.RewriteTruncate, Name: name, Target: target, TableSchema: t.Schema(), Limit: -1}, nil
}

// indexTable resolves the table of CREATE/DROP INDEX and checks it records
// indexes.
func (s *stmtBuilder) indexTable(tn *ast.TableName) (catalog.Name, catalog.Table, catalog.Indexable, error) {
	name, err := s.tableName(tn)
	if err != nil {
		return name, nil, nil, err
	}
	t, err := s.resolveTable(name)
	if err != nil {
		return name, nil, nil, err
	}
	ix, ok := t.(catalog.Indexable)
	if !ok {
		return name, nil, nil, errs.NotImplementedf("table %s does not support indexes (its provider cannot record them)", name)
	}
	return name, t, ix, nil
}

// buildCreateIndex binds CREATE [UNIQUE] INDEX i ON t (cols). Indexes are
// metadata: the plan checks the table and columns, the statement records
// the index (a unique one is checked against the current rows).
func (s *stmtBuilder) buildCreateIndex(n *ast.CreateIndexStmt) (logical.Plan, error) {
	switch n.KeyType {
	case ast.IndexKeyTypeNone, ast.IndexKeyTypeUnique:
	default:
		return nil, errs.NotImplementedf("FULLTEXT, SPATIAL and vector indexes are not supported")
	}
	name, t, ix, err := s.indexTable(n.Table)
	if err != nil {
		return nil, err
	}
	def := catalog.IndexDef{Name: n.IndexName, Unique: n.KeyType == ast.IndexKeyTypeUnique}
	if def.Columns, err = indexColumns(t.Schema(), n.IndexPartSpecifications); err != nil {
		return nil, err
	}
	ifNotExists := n.IfNotExists
	return &logical.Command{Verb: "CreateIndex", Object: n.IndexName + " ON " + name.String() + " (" + strings.Join(def.Columns, ", ") + ")",
		Run: func(ctx context.Context) error {
			err := ix.CreateIndex(ctx, def)
			if ifNotExists && errors.Is(err, errs.ErrAlreadyExists) {
				return nil
			}
			return err
		}}, nil
}

// buildDropIndex binds DROP INDEX [IF EXISTS] i ON t.
func (s *stmtBuilder) buildDropIndex(n *ast.DropIndexStmt) (logical.Plan, error) {
	name, _, ix, err := s.indexTable(n.Table)
	if err != nil {
		return nil, err
	}
	idx, ifExists := n.IndexName, n.IfExists
	return &logical.Command{Verb: "DropIndex", Object: idx + " ON " + name.String(),
		Run: func(ctx context.Context) error { return ix.DropIndex(ctx, idx, ifExists) }}, nil
}

// strictLiteral rejects a non-NULL constant whose conversion to the
// column's type gave NULL (e.g. '2024-02-30' for a DATE), as MySQL's strict
// mode does for INSERT and UPDATE ("Incorrect date value").
func strictLiteral(v, cast expr.Expr, f arrow.Field, row int) error {
	in, ok := v.(*expr.Literal)
	if !ok || in.Value == nil {
		return nil
	}
	if out, ok := cast.(*expr.Literal); ok && out.Value == nil {
		return errs.Invalidf("incorrect %s value: '%v' for column '%s' at row %d", strings.ToLower(expr.TypeName(f.Type)), in.Value, f.Name, row)
	}
	return nil
}

// beginRewriteSubqueries collects the subqueries of a DELETE/UPDATE's
// clauses; done restores the enclosing state.
func (s *stmtBuilder) beginRewriteSubqueries() (*subqueryCollector, func()) {
	saved := s.q.subs
	coll := &subqueryCollector{}
	s.q.subs = coll
	return coll, func() { s.q.subs = saved }
}

// resolveRewriteSubqueries moves coll's subqueries into r: each becomes a
// RewriteSubquery, and its refs in Where, Sets and later probes become the
// virtual column TableSchema.NumFields()+k. A correlated subquery, or one
// that reads the table being changed, is an error (MySQL rejects the
// latter too: ER_UPDATE_TABLE_USED).
func resolveRewriteSubqueries(coll *subqueryCollector, r *logical.Rewrite) error {
	if len(coll.items) == 0 {
		return nil
	}
	width := r.TableSchema.NumFields()
	resolve := func(e expr.Expr) expr.Expr {
		return expr.Transform(e, func(n expr.Expr) expr.Expr {
			if ref, ok := n.(*subqueryRef); ok && ref.coll == coll {
				return &expr.Column{Index: width + ref.idx, Name: ref.name, DataType: ref.typ}
			}
			return n
		})
	}
	for _, it := range coll.items {
		if it.corr != nil {
			return errs.NotImplementedf("correlated subqueries in %s are not supported yet (%s refers to the table being changed)", strings.ToUpper(r.Kind.String()), it.name)
		}
		if readsTable(it.plan, r.Name) {
			return errs.Invalidf("you can't specify target table '%s' for update in FROM clause", r.Name.Table)
		}
		sq := logical.RewriteSubquery{Kind: it.kind, Plan: it.plan, Name: it.name}
		if it.probe != nil {
			sq.Probe = resolve(it.probe)
		}
		r.Subqueries = append(r.Subqueries, sq)
	}
	if r.Where != nil {
		r.Where = resolve(r.Where)
	}
	for i := range r.Sets {
		r.Sets[i].Value = resolve(r.Sets[i].Value)
	}
	return nil
}

// readsTable reports whether p scans the table named n.
func readsTable(p logical.Plan, n catalog.Name) bool {
	if sc, ok := p.(*logical.Scan); ok && strings.EqualFold(sc.Name.String(), n.String()) {
		return true
	}
	for _, c := range p.Children() {
		if readsTable(c, n) {
			return true
		}
	}
	return false
}

// buildAlterTable binds the ALTER TABLE forms that only add or drop
// secondary indexes (ADD {INDEX|KEY|UNIQUE} [name] (cols), DROP INDEX
// name), as dumps and migration tools send them; every other ALTER TABLE
// is ErrNotImplemented. The changes are checked together at plan time and
// applied in order.
func (s *stmtBuilder) buildAlterTable(n *ast.AlterTableStmt) (logical.Plan, error) {
	name, t, ix, err := s.indexTable(n.Table)
	if err != nil {
		return nil, err
	}
	existing, err := ix.Indexes(s.ctx)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, d := range existing {
		taken[strings.ToLower(d.Name)] = true
	}
	type change struct {
		add      *catalog.IndexDef
		drop     string
		ifExists bool
	}
	var changes []change
	var desc []string
	for _, spec := range n.Specs {
		switch {
		case spec.Tp == ast.AlterTableDropIndex:
			key := strings.ToLower(spec.Name)
			if !taken[key] && !spec.IfExists {
				return nil, errs.NotFoundf("can't DROP '%s'; check that column/key exists", spec.Name)
			}
			delete(taken, key)
			changes = append(changes, change{drop: spec.Name, ifExists: spec.IfExists})
			desc = append(desc, "drop "+spec.Name)
		case spec.Tp == ast.AlterTableAddConstraint && spec.Constraint != nil && isIndexConstraint(spec.Constraint.Tp):
			c := spec.Constraint
			def := &catalog.IndexDef{Name: c.Name, Unique: c.Tp == ast.ConstraintUniq || c.Tp == ast.ConstraintUniqKey || c.Tp == ast.ConstraintUniqIndex}
			cols, err := indexColumns(t.Schema(), c.Keys)
			if err != nil {
				return nil, err
			}
			def.Columns = cols
			if len(def.Columns) == 0 {
				return nil, errs.Invalidf("an index needs at least one column")
			}
			if def.Name == "" { // MySQL names it after its first column: c, c_2, c_3...
				def.Name = def.Columns[0]
				for i := 2; taken[strings.ToLower(def.Name)]; i++ {
					def.Name = def.Columns[0] + "_" + strconv.Itoa(i)
				}
			}
			if taken[strings.ToLower(def.Name)] {
				return nil, errs.New(errs.ErrAlreadyExists, "duplicate key name '%s'", def.Name)
			}
			taken[strings.ToLower(def.Name)] = true
			changes = append(changes, change{add: def})
			desc = append(desc, "add "+def.Name+" ("+strings.Join(def.Columns, ", ")+")")
		default:
			return nil, errs.NotImplementedf("ALTER TABLE is supported only to ADD or DROP an INDEX/KEY/UNIQUE; %s", restoreSpec(spec))
		}
	}
	return &logical.Command{Verb: "AlterTable", Object: name.String() + " " + strings.Join(desc, ", "),
		Run: func(ctx context.Context) error {
			for _, c := range changes {
				var err error
				if c.add != nil {
					err = ix.CreateIndex(ctx, *c.add)
				} else {
					err = ix.DropIndex(ctx, c.drop, c.ifExists)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}}, nil
}

func isIndexConstraint(tp ast.ConstraintType) bool {
	switch tp {
	case ast.ConstraintKey, ast.ConstraintIndex, ast.ConstraintUniq, ast.ConstraintUniqKey, ast.ConstraintUniqIndex:
		return true
	}
	return false
}

// restoreSpec renders an ALTER TABLE clause for a message.
func restoreSpec(spec *ast.AlterTableSpec) string {
	var sb strings.Builder
	if err := spec.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return "this clause"
	}
	return sb.String()
}

// indexColumns resolves an index's key parts to the table's column names
// (case-insensitively, in key order). Functional parts are NotImplemented;
// an unknown column is NotFound, in MySQL's words.
func indexColumns(schema *arrow.Schema, parts []*ast.IndexPartSpecification) ([]string, error) {
	cols := make([]string, 0, len(parts))
	for _, part := range parts {
		if part.Expr != nil || part.Column == nil {
			return nil, errs.NotImplementedf("functional index parts are not supported; index columns")
		}
		found := ""
		for _, f := range schema.Fields() {
			if strings.EqualFold(f.Name, part.Column.Name.O) {
				found = f.Name
				break
			}
		}
		if found == "" {
			return nil, errs.NotFoundf("key column '%s' doesn't exist in table", part.Column.Name.O)
		}
		cols = append(cols, found)
	}
	return cols, nil
}
