package physical

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/operator"
)

// Env is what instantiating a plan needs. The zero Budget is unlimited.
type Env struct {
	// Mem allocates every batch the operators produce; required.
	Mem memory.Allocator
	// Budget bounds the bytes the query's blocking operators (Sort,
	// HashAggregate) may hold; shared by all of them. nil = unlimited.
	Budget *operator.Budget
}

// Instantiate builds the operator tree that runs p. The operators are not
// opened (no I/O happens here); the caller owns the root and must Close it
// (closing a root closes its whole tree). Every call builds a fresh tree, so a
// plan can run many times and concurrently. An ExplainExec cannot be
// instantiated (the engine prints it instead): that is ErrInternal.
func Instantiate(ctx context.Context, p Plan, env Env) (operator.Operator, error) {
	op, _, err := instantiate(ctx, p, env, false)
	return op, err
}

// InstantiateInstrumented is Instantiate with every node's operator wrapped
// in operator.Instrument (EXPLAIN ANALYZE). The map gives each plan node's
// measurements; read it after (or while) the root runs.
func InstantiateInstrumented(ctx context.Context, p Plan, env Env) (operator.Operator, map[Plan]*operator.Instrumented, error) {
	return instantiate(ctx, p, env, true)
}

func instantiate(ctx context.Context, p Plan, env Env, instrument bool) (root operator.Operator, metrics map[Plan]*operator.Instrumented, err error) {
	if env.Mem == nil {
		return nil, nil, errs.Internalf("instantiate: no allocator")
	}
	if instrument {
		metrics = map[Plan]*operator.Instrumented{}
	}
	b := &builder{env: env, metrics: metrics}
	defer func() {
		if r := recover(); r != nil {
			root, metrics, err = nil, nil, errs.Internalf("building operators panicked: %v\n%s", r, debug.Stack())
		}
	}()
	root, err = b.build(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	return root, metrics, nil
}

type builder struct {
	env     Env
	metrics map[Plan]*operator.Instrumented
	// workTables are the recursive CTEs' work tables visible while their
	// members are built (recursive.go).
	workTables map[int]*operator.WorkTable
}

func (b *builder) build(ctx context.Context, p Plan) (operator.Operator, error) {
	if rc, ok := p.(*RecursiveCTEExec); ok {
		return b.buildRecursive(ctx, rc) // its member is built once per round
	}
	// Build the inputs first; on a later failure close what was built.
	kids := p.Children()
	ins := make([]operator.Operator, 0, len(kids))
	closeAll := func() {
		for _, in := range ins {
			_ = in.Close()
		}
	}
	for _, c := range kids {
		in, err := b.build(ctx, c)
		if err != nil {
			closeAll()
			return nil, err
		}
		ins = append(ins, in)
	}
	op, err := b.node(ctx, p, ins)
	if err != nil {
		closeAll()
		return nil, err
	}
	if b.metrics != nil {
		m := operator.Instrument(op)
		b.metrics[p] = m
		op = m
	}
	return op, nil
}

// node builds p's own operator over its already built inputs. On success the
// operator owns ins.
func (b *builder) node(ctx context.Context, p Plan, ins []operator.Operator) (operator.Operator, error) {
	mem := b.env.Mem
	switch n := p.(type) {
	case *ScanExec:
		par := n.Parallelism
		if par < 1 {
			par = 1 // 0 means "not set by a rule": read sequentially
		}
		return operator.NewScan(n.Scan.Partitions(), n.Schema(), par, mem), nil
	case *FilterExec:
		return operator.NewFilter(ins[0], n.Predicate, mem), nil
	case *ProjectExec:
		return operator.NewProject(ins[0], n.Exprs, n.Schema(), mem), nil
	case *HashAggregateExec:
		return newHashAggregate(ins[0], n, mem, b.env.Budget)
	case *SortExec:
		return newSort(ins[0], n, mem, b.env.Budget)
	case *WindowExec:
		return newWindow(ins[0], n, mem, b.env.Budget)
	case *LimitExec:
		return operator.NewLimit(ins[0], n.Offset, n.Count), nil
	case *ValuesExec:
		return operator.NewValues(n.Out, n.Rows, mem), nil
	case *CreateTableExec:
		return newDDL(mem, func(ctx context.Context) (int64, error) {
			if err := n.Target.CreateTable(ctx, n.Name.Table, n.TableSchema, n.IfNotExists); err != nil {
				return 0, wrapKind(err, "CREATE TABLE %s", n.Name)
			}
			return 0, nil
		}), nil
	case *DropTableExec:
		return newDDL(mem, func(ctx context.Context) (int64, error) {
			if err := n.Target.DropTable(ctx, n.Name.Table, n.IfExists); err != nil {
				return 0, wrapKind(err, "DROP TABLE %s", n.Name)
			}
			return 0, nil
		}), nil
	case *InsertExec:
		return newInsert(ins[0], n, mem), nil
	case *HashJoinExec:
		return newHashJoin(ins, n, mem, b.env.Budget)
	case *NestedLoopJoinExec:
		return newNestedLoopJoin(ins, n, mem, b.env.Budget)
	case *ExplainExec:
		return nil, errs.Internalf("EXPLAIN must be handled by the engine, not instantiated")
	case *WorkTableExec:
		return b.workTableScan(n) // recursive.go
	default:
		if op, ok, err := instantiateSetOps(ctx, p, ins, mem, b.env.Budget); ok {
			return op, err
		}
		if op, ok := instantiateDML(p, ins, mem); ok { // rewrite.go
			return op, nil
		}
		return nil, errs.NotImplementedf("no operator for physical node %T (%s)", p, p.String())
	}
}

// wrapKind adds context to err, keeping its errs kind (Internal if none).
func wrapKind(err error, format string, args ...any) error {
	return errs.Wrap(kindOf(err), err, "%s", fmt.Sprintf(format, args...))
}
