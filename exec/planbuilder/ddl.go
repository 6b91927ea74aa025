package planbuilder

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// creatableSchema resolves the schema of n and checks it can create and
// drop tables.
func (s *stmtBuilder) creatableSchema(n catalog.Name) (catalog.Creatable, error) {
	sch, err := s.resolveSchema(n)
	if err != nil {
		return nil, err
	}
	c, ok := sch.(catalog.Creatable)
	if !ok {
		return nil, errs.New(errs.ErrPermission, "schema %s.%s is read-only", n.Catalog, n.Schema)
	}
	return c, nil
}

// buildCreateTable binds CREATE TABLE. Column types map as arrowType
// documents; NOT NULL and PRIMARY KEY make a column non-nullable. Keys and
// indexes are accepted but not enforced; DEFAULT, AUTO_INCREMENT, generated
// columns, CHECK and FOREIGN KEY are not supported.
func (s *stmtBuilder) buildCreateTable(n *ast.CreateTableStmt) (logical.Plan, error) {
	switch {
	case n.Select != nil:
		return nil, errs.NotImplementedf("CREATE TABLE ... SELECT is not supported yet")
	case n.ReferTable != nil:
		return nil, errs.NotImplementedf("CREATE TABLE ... LIKE is not supported yet")
	case n.TemporaryKeyword != ast.TemporaryNone:
		return nil, errs.NotImplementedf("temporary tables are not supported")
	case n.Partition != nil:
		return nil, errs.NotImplementedf("partitioned tables are not supported")
	case len(n.Cols) == 0:
		return nil, errs.Invalidf("a table must have at least one column")
	}
	name, err := s.tableName(n.Table)
	if err != nil {
		return nil, err
	}
	target, err := s.creatableSchema(name)
	if err != nil {
		return nil, err
	}
	notNull := map[string]bool{}
	for _, c := range n.Constraints {
		switch c.Tp {
		case ast.ConstraintPrimaryKey:
			for _, k := range c.Keys {
				if k.Column != nil {
					notNull[strings.ToLower(k.Column.Name.O)] = true
				}
			}
		case ast.ConstraintCheck:
			return nil, errs.NotImplementedf("CHECK constraints are not supported")
		case ast.ConstraintForeignKey:
			return nil, errs.NotImplementedf("FOREIGN KEY constraints are not supported")
		}
	}
	fields := make([]arrow.Field, 0, len(n.Cols))
	seen := map[string]bool{}
	for _, col := range n.Cols {
		cname := col.Name.Name.O
		if seen[strings.ToLower(cname)] {
			return nil, errs.Invalidf("duplicate column name '%s'", cname)
		}
		seen[strings.ToLower(cname)] = true
		t, err := arrowType(col.Tp, false)
		if err != nil {
			return nil, errs.Wrap(errs.ErrNotImplemented, err, "column %s", cname)
		}
		nullable := !notNull[strings.ToLower(cname)]
		for _, o := range col.Options {
			switch o.Tp {
			case ast.ColumnOptionNotNull, ast.ColumnOptionPrimaryKey:
				nullable = false
			case ast.ColumnOptionNull:
				nullable = true
			case ast.ColumnOptionDefaultValue:
				return nil, errs.NotImplementedf("column %s: DEFAULT values are not supported yet", cname)
			case ast.ColumnOptionAutoIncrement:
				return nil, errs.NotImplementedf("column %s: AUTO_INCREMENT is not supported", cname)
			case ast.ColumnOptionGenerated:
				return nil, errs.NotImplementedf("column %s: generated columns are not supported", cname)
			case ast.ColumnOptionCheck, ast.ColumnOptionReference:
				return nil, errs.NotImplementedf("column %s: CHECK and REFERENCES are not supported", cname)
			}
		}
		fields = append(fields, arrow.Field{Name: cname, Type: t, Nullable: nullable})
	}
	return &logical.CreateTable{Name: name, Target: target, TableSchema: arrow.NewSchema(fields, nil), IfNotExists: n.IfNotExists}, nil
}

func (s *stmtBuilder) buildDropTable(n *ast.DropTableStmt) (logical.Plan, error) {
	switch {
	case n.IsView:
		return s.buildDropView(n) // views.go
	case n.TemporaryKeyword != ast.TemporaryNone:
		return nil, errs.NotImplementedf("temporary tables are not supported")
	case len(n.Tables) != 1:
		return nil, errs.NotImplementedf("DROP TABLE of several tables at once is not supported yet")
	}
	name, err := s.tableName(n.Tables[0])
	if err != nil {
		return nil, err
	}
	target, err := s.creatableSchema(name)
	if err != nil {
		return nil, err
	}
	return &logical.DropTable{Name: name, Target: target, IfExists: n.IfExists}, nil
}

// buildInsert binds INSERT INTO t [(cols)] VALUES ... | SELECT ...: its
// input produces the table's columns in table order, cast to their types,
// NULL for columns not listed.
func (s *stmtBuilder) buildInsert(n *ast.InsertStmt) (logical.Plan, error) {
	switch {
	case n.IsReplace:
		return nil, errs.NotImplementedf("REPLACE is not supported")
	case n.IgnoreErr:
		return nil, errs.NotImplementedf("INSERT IGNORE is not supported")
	case len(n.OnDuplicate) > 0:
		return nil, errs.NotImplementedf("INSERT ... ON DUPLICATE KEY UPDATE is not supported")
	case n.Setlist:
		return nil, errs.NotImplementedf("INSERT ... SET is not supported yet; use INSERT ... VALUES")
	case len(n.PartitionNames) > 0:
		return nil, errs.NotImplementedf("PARTITION selection is not supported")
	}
	ts, ok := n.Table.TableRefs.Left.(*ast.TableSource)
	if !ok || n.Table.TableRefs.Right != nil {
		return nil, errs.NotImplementedf("INSERT into a join is not supported")
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return nil, errs.Invalidf("INSERT needs a table name")
	}
	name, err := s.tableName(tn)
	if err != nil {
		return nil, err
	}
	if _, isView, err := s.lookupView(name); err != nil {
		return nil, err
	} else if isView {
		return nil, errs.NotImplementedf("the target table %s of the INSERT is a view; views are not insertable", name.Table)
	}
	t, err := s.resolveTable(name)
	if err != nil {
		return nil, err
	}
	target, ok := t.(catalog.Insertable)
	if !ok {
		return nil, errs.New(errs.ErrPermission, "table %s is read-only", name)
	}
	tsch := t.Schema()

	// target[i] is the table column the i-th listed value goes to.
	var targets []int
	if len(n.Columns) == 0 {
		targets = make([]int, tsch.NumFields())
		for i := range targets {
			targets[i] = i
		}
	} else {
		used := map[int]bool{}
		for _, cn := range n.Columns {
			idx := -1
			for i, f := range tsch.Fields() {
				if strings.EqualFold(f.Name, cn.Name.O) {
					idx = i
					break
				}
			}
			if idx < 0 {
				return nil, errs.NotFoundf("unknown column '%s' in 'field list'", cn.Name.O)
			}
			if used[idx] {
				return nil, errs.Invalidf("column '%s' specified twice", cn.Name.O)
			}
			used[idx] = true
			targets = append(targets, idx)
		}
	}
	source := make([]int, tsch.NumFields()) // table column → listed position, -1 = missing
	for i := range source {
		source[i] = -1
	}
	for pos, idx := range targets {
		source[idx] = pos
	}
	for i, f := range tsch.Fields() {
		if source[i] < 0 && !f.Nullable {
			return nil, errs.Invalidf("field '%s' doesn't have a default value", f.Name)
		}
	}

	var input logical.Plan
	if n.Select != nil {
		sel, ok := n.Select.(*ast.SelectStmt)
		if !ok {
			return nil, errs.NotImplementedf("INSERT ... UNION is not supported yet")
		}
		in, err := s.buildSelect(sel)
		if err != nil {
			return nil, err
		}
		insch := in.Schema()
		if insch.NumFields() != len(targets) {
			return nil, errs.Invalidf("column count doesn't match value count: %d columns, SELECT gives %d", len(targets), insch.NumFields())
		}
		exprs := make([]expr.Expr, tsch.NumFields())
		names := make([]string, tsch.NumFields())
		for i, f := range tsch.Fields() {
			names[i] = f.Name
			if source[i] < 0 {
				exprs[i] = expr.Null(f.Type)
				continue
			}
			p := source[i]
			if exprs[i], err = expr.NewCast(&expr.Column{Index: p, Name: insch.Field(p).Name, DataType: insch.Field(p).Type}, f.Type); err != nil {
				return nil, errs.Wrap(errs.ErrInvalid, err, "column %s", f.Name)
			}
		}
		input = &logical.Project{Input: in, Exprs: exprs, Names: names}
	} else {
		rows := make([][]expr.Expr, len(n.Lists))
		c := &exprCtx{s: s, sc: &scope{}, clause: "field list"}
		for r, list := range n.Lists {
			if len(list) != len(targets) {
				return nil, errs.Invalidf("column count doesn't match value count at row %d", r+1)
			}
			row := make([]expr.Expr, tsch.NumFields())
			for i, f := range tsch.Fields() {
				if source[i] < 0 {
					row[i] = expr.Null(f.Type)
					continue
				}
				var e expr.Expr
				var err error
				if _, isDefault := list[source[i]].(*ast.DefaultExpr); isDefault {
					e = expr.Null(f.Type)
				} else {
					if e, err = c.bindHinted(list[source[i]], f.Type); err != nil { // ? takes the column type
						return nil, err
					}
				}
				if l, ok := e.(*expr.Literal); ok {
					if l.Value == nil && !f.Nullable {
						return nil, errs.Invalidf("column '%s' cannot be null (row %d)", f.Name, r+1)
					}
					if err := strictNumber(l, f, r+1); err != nil {
						return nil, err
					}
				}
				if row[i], err = expr.NewCast(e, f.Type); err != nil {
					return nil, errs.Wrap(errs.ErrInvalid, err, "column %s, row %d", f.Name, r+1)
				}
				if err := strictLiteral(e, row[i], f, r+1); err != nil { // dml.go
					return nil, err
				}
			}
			rows[r] = row
		}
		input = &logical.Values{Out: tsch, Rows: rows}
	}
	return &logical.Insert{Name: name, Target: target, Input: input}, nil
}

// strictNumber rejects a string literal that is not a number for a numeric
// column, as MySQL's strict mode does for INSERT (a CAST elsewhere would
// read 'abc' as 0).
func strictNumber(l *expr.Literal, f arrow.Field, row int) error {
	str, ok := l.Value.(string)
	if !ok {
		return nil
	}
	switch f.Type.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.BOOL:
	default:
		return nil
	}
	if _, err := strconv.ParseFloat(strings.TrimSpace(str), 64); err != nil {
		return errs.Invalidf("incorrect %s value: '%s' for column '%s' at row %d", expr.TypeName(f.Type), str, f.Name, row)
	}
	return nil
}
