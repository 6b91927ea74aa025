package planbuilder

import (
	"context"
	"errors"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/logical"
)

// Views are stored by a catalog.ViewStore schema as SQL text and expanded
// wherever they are named in FROM: the text is parsed and bound again, with
// the view's own schema as the current one (unqualified names resolve
// there, as in MySQL) and without the referencing query's CTEs, so a view
// always sees the tables as they are now. A view whose tables or columns
// are gone fails at use with an error naming the view.
//
// At CREATE VIEW the query is bound the same way (so it must be valid
// then), its column names are fixed, and its text is stored in the
// parser's canonical form (keywords upper case, names in backticks), which
// reads the same under any ANSI_QUOTES setting.

// maxViewDepth bounds views nested in views.
const maxViewDepth = 32

// viewChainKey carries the views being expanded (lower-case qualified
// names, outermost first) through nested Builds.
type viewChainKey struct{}

func viewChain(ctx context.Context) []string {
	c, _ := ctx.Value(viewChainKey{}).([]string)
	return c
}

// lookupView returns the view n names, if n's schema stores views and has
// one of that name. An unknown catalog or schema is not an error here (the
// table lookup reports it).
func (s *stmtBuilder) lookupView(n catalog.Name) (catalog.ViewDef, bool, error) {
	sch, err := s.resolveSchema(n)
	if err != nil {
		return catalog.ViewDef{}, false, nil
	}
	vs, ok := sch.(catalog.ViewStore)
	if !ok {
		return catalog.ViewDef{}, false, nil
	}
	return vs.View(s.ctx, n.Table)
}

// buildViewQuery binds a view's SQL text as the view named n sees it. The
// returned plan is unoptimized.
func (s *stmtBuilder) buildViewQuery(def catalog.ViewDef, n catalog.Name) (logical.Plan, error) {
	sub, ctx, err := s.viewBuilder(def, n)
	if err != nil {
		return nil, err
	}
	plan, err := sub.Build(ctx, NewParser(), def.SQL)
	if err != nil {
		return nil, err
	}
	switch plan.(type) {
	case *logical.Rewrite, *logical.Command, *logical.Insert, *logical.CreateTable, *logical.DropTable, *logical.Explain:
		return nil, errs.Invalidf("view '%s' is not a query", n)
	}
	return plan, nil
}

// viewBuilder returns the Builder and context a view's query binds with:
// the view's schema current, `?` rejected, the view on the expansion chain
// (recursion and depth are checked here).
func (s *stmtBuilder) viewBuilder(def catalog.ViewDef, n catalog.Name) (*Builder, context.Context, error) {
	key := strings.ToLower(n.String())
	chain := viewChain(s.ctx)
	for _, c := range chain {
		if c == key {
			return nil, nil, errs.Invalidf("view '%s' contains view recursion", n)
		}
	}
	if len(chain) >= maxViewDepth {
		return nil, nil, errs.Exhaustedf("views nest deeper than %d levels at view '%s'", maxViewDepth, n)
	}
	ctx := context.WithValue(s.ctx, viewChainKey{}, append(chain[:len(chain):len(chain)], key))
	ctx = context.WithValue(ctx, paramsKey{}, (*Params)(nil)) // `?` has no meaning in a view
	opts := s.b.Options
	opts.Catalog, opts.Schema = n.Catalog, n.Schema
	if def.Catalog != "" {
		opts.Catalog = def.Catalog
	}
	if def.Schema != "" {
		opts.Schema = def.Schema
	}
	opts.Values = withoutANSIQuotes(opts.Values)
	return &Builder{Root: s.b.Root, Options: opts, Limits: s.lim, Funcs: s.b.Funcs}, ctx, nil
}

// withoutANSIQuotes returns vals without ansi_quotes: stored view text is
// canonical (backtick names, single-quoted strings).
func withoutANSIQuotes(vals map[string]string) map[string]string {
	if _, ok := vals["ansi_quotes"]; !ok {
		return vals
	}
	out := make(map[string]string, len(vals))
	for k, v := range vals {
		if k != "ansi_quotes" {
			out[k] = v
		}
	}
	return out
}

// expandView builds a view named in FROM as a derived table called alias
// (the view's name when empty).
func (s *stmtBuilder) expandView(def catalog.ViewDef, n catalog.Name, alias string) (logical.Plan, *scope, error) {
	plan, err := s.buildViewQuery(def, n)
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) || errors.Is(err, errs.ErrInvalid) {
			return nil, nil, errs.Wrap(errKind(err), err, "view '%s' references invalid table(s) or column(s) or function(s)", n)
		}
		return nil, nil, errs.Wrap(errKind(err), err, "view '%s'", n)
	}
	if got := plan.Schema().NumFields(); got != len(def.Columns) {
		return nil, nil, errs.Invalidf("view '%s' references invalid table(s) or column(s): it was created with %d columns, its query now returns %d", n, len(def.Columns), got)
	}
	if alias == "" {
		alias = n.Table
	}
	return derivedScope(plan, alias, def.Columns, "view")
}

// errKind returns err's errs kind (ErrInternal when it has none).
func errKind(err error) error {
	for _, k := range []error{errs.ErrInvalid, errs.ErrNotFound, errs.ErrAlreadyExists, errs.ErrNotImplemented,
		errs.ErrResourceExhausted, errs.ErrUnavailable, errs.ErrPermission, errs.ErrInternal} {
		if errors.Is(err, k) {
			return k
		}
	}
	return errs.ErrInternal
}

// viewStore resolves n's schema and checks it stores views.
func (s *stmtBuilder) viewStore(n catalog.Name) (catalog.Schema, catalog.ViewStore, error) {
	sch, err := s.resolveSchema(n)
	if err != nil {
		return nil, nil, err
	}
	vs, ok := sch.(catalog.ViewStore)
	if !ok {
		return nil, nil, errs.NotImplementedf("schema %s.%s cannot store views; create the view in a writable schema", n.Catalog, n.Schema)
	}
	return sch, vs, nil
}

// buildCreateView binds CREATE [OR REPLACE] VIEW v [(cols)] AS query. The
// query is bound now, in the view's schema, to check it and fix the
// column names. ALGORITHM, DEFINER, SQL SECURITY and CHECK OPTION are
// accepted and ignored (views are read-only).
func (s *stmtBuilder) buildCreateView(n *ast.CreateViewStmt) (logical.Plan, error) {
	name, err := s.tableName(n.ViewName)
	if err != nil {
		return nil, err
	}
	sch, vs, err := s.viewStore(name)
	if err != nil {
		return nil, err
	}
	if _, terr := sch.Table(s.ctx, name.Table); terr == nil {
		return nil, errs.New(errs.ErrAlreadyExists, "table '%s' already exists", name.Table)
	}
	var sb strings.Builder
	if err := n.Select.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "CREATE VIEW %s: cannot store its query", name.Table)
	}
	// A three-part name was rewritten to `catalog<US>schema`.`table`:
	// store it as three quoted parts again.
	sql := strings.ReplaceAll(sb.String(), catalogSep, "`.`")
	def := catalog.ViewDef{Name: name.Table, SQL: sql, Catalog: name.Catalog, Schema: name.Schema}
	// The column names come from the query as written (an unnamed
	// expression is named by its text, not by the stored canonical form);
	// the stored text must then bind to as many columns.
	sub, ctx, err := s.viewBuilder(def, name)
	if err != nil {
		return nil, err
	}
	vs0 := &stmtBuilder{b: sub, ctx: ctx, lim: s.lim, maxExprDepth: s.maxExprDepth}
	plan, err := vs0.buildQuery(n.Select)
	if err != nil {
		return nil, err
	}
	cols := make([]string, len(n.Cols))
	for i, c := range n.Cols {
		cols[i] = c.O
	}
	if _, _, err := derivedScope(plan, name.Table, cols, "view"); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		for _, f := range plan.Schema().Fields() {
			cols = append(cols, f.Name)
		}
	}
	stored, err := s.buildViewQuery(def, name)
	if err != nil {
		return nil, errs.Wrap(errKind(err), err, "CREATE VIEW %s: the stored form of the query does not bind", name.Table)
	}
	if stored.Schema().NumFields() != len(cols) {
		return nil, errs.Internalf("CREATE VIEW %s: the stored query has %d columns, the query %d", name.Table, stored.Schema().NumFields(), len(cols))
	}
	def.Columns = cols
	orReplace := n.OrReplace
	return &logical.Command{Verb: "CreateView", Object: name.String() + " (" + strings.Join(cols, ", ") + ")",
		Run: func(ctx context.Context) error { return vs.CreateView(ctx, def, orReplace) }}, nil
}

// buildDropView binds DROP VIEW [IF EXISTS] v [, ...]. A name that is a
// table is an error ("not VIEW"), as in MySQL; an unknown one too unless
// IF EXISTS.
func (s *stmtBuilder) buildDropView(n *ast.DropTableStmt) (logical.Plan, error) {
	type drop struct {
		vs   catalog.ViewStore
		name string
	}
	var drops []drop
	var names []string
	for _, tn := range n.Tables {
		name, err := s.tableName(tn)
		if err != nil {
			return nil, err
		}
		sch, err := s.resolveSchema(name)
		if err != nil {
			if n.IfExists && errors.Is(err, errs.ErrNotFound) {
				continue
			}
			return nil, err
		}
		vs, _ := sch.(catalog.ViewStore)
		exists := false
		if vs != nil {
			if _, exists, err = vs.View(s.ctx, name.Table); err != nil {
				return nil, err
			}
		}
		if !exists {
			if _, terr := sch.Table(s.ctx, name.Table); terr == nil {
				return nil, errs.Invalidf("'%s.%s' is not VIEW", name.Schema, name.Table)
			}
			if n.IfExists {
				continue
			}
			return nil, errs.NotFoundf("unknown table '%s.%s'", name.Schema, name.Table)
		}
		drops = append(drops, drop{vs: vs, name: name.Table})
		names = append(names, name.String())
	}
	ifExists := n.IfExists
	return &logical.Command{Verb: "DropView", Object: strings.Join(names, ", "),
		Run: func(ctx context.Context) error {
			for _, d := range drops {
				if err := d.vs.DropView(ctx, d.name, ifExists); err != nil {
					return err
				}
			}
			return nil
		}}, nil
}
