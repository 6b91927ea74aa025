package planbuilder

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/errs"
)

// scopeColumn is one column visible to name resolution, with the qualifiers
// it can be referred to by. For an aliased table only the alias qualifies it
// (schema and catalog are empty), as in MySQL.
type scopeColumn struct {
	catalog, schema, table string
	name                   string
	typ                    arrow.DataType
	// hidden columns (the originals of a USING/NATURAL join column) are
	// reachable only with a qualifier and are left out of an unqualified *.
	hidden bool
}

// scope is the ordered set of columns of one relation; column i of the scope
// is column i of the plan it describes. A join would concatenate scopes.
type scope struct {
	cols []scopeColumn
}

// resolve finds the column a name refers to (case-insensitively, as MySQL
// columns are). clause is the MySQL clause name for the error message
// ("field list", "where clause", ...). ErrNotFound when nothing matches,
// ErrInvalid when the name is ambiguous.
func (s *scope) resolve(cn *ast.ColumnName, clause string) (int, error) {
	found := -1
	for i, c := range s.cols {
		if !strings.EqualFold(c.name, cn.Name.O) || (c.hidden && cn.Table.O == "") {
			continue
		}
		if cn.Table.O != "" && !strings.EqualFold(c.table, cn.Table.O) {
			continue
		}
		if cn.Schema.O != "" && !strings.EqualFold(c.schema, cn.Schema.O) {
			continue
		}
		if found >= 0 {
			return -1, errs.Invalidf("column '%s' in %s is ambiguous", columnText(cn), clause)
		}
		found = i
	}
	if found < 0 {
		return -1, errs.NotFoundf("unknown column '%s' in '%s'", columnText(cn), clause)
	}
	return found, nil
}

// tableMatches reports whether column c belongs to the table a `t.*` or
// `s.t.*` wildcard names.
func (c scopeColumn) tableMatches(schema, table string) bool {
	if !strings.EqualFold(c.table, table) {
		return false
	}
	return schema == "" || strings.EqualFold(c.schema, schema)
}

func columnText(cn *ast.ColumnName) string {
	s := cn.Name.O
	if cn.Table.O != "" {
		s = cn.Table.O + "." + s
	}
	if cn.Schema.O != "" {
		s = cn.Schema.O + "." + s
	}
	return s
}
