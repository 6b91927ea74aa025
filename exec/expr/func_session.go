package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Session and information functions. Quiver has no MySQL accounts,
// connection ids or auto-increment columns; these return the stable values
// BI tools expect from a MySQL 8 server:
//
//	DATABASE(), SCHEMA()          the session's current schema (the planner
//	                              folds it from catalog.Options.Schema;
//	                              unbound, NULL as MySQL gives without one)
//	USER(), CURRENT_USER(),
//	SESSION_USER(), SYSTEM_USER() CurrentUser ('quiver@localhost')
//	VERSION()                     MySQLVersion ('8.0.36-Quiver')
//	CONNECTION_ID()               1
//	LAST_INSERT_ID()              0; LAST_INSERT_ID(expr) returns expr
//	CHARSET(x), COLLATION(x)      'utf8mb4' / 'utf8mb4_0900_ai_ci' for
//	                              VARCHAR, 'binary' for everything else

// MySQLVersion is the server version VERSION() returns: the MySQL release
// whose semantics Quiver follows (tools parse the leading number), then
// "-Quiver". Keep @@version and SHOW VARIABLES equal to it.
const MySQLVersion = "8.0.36-Quiver"

// CurrentUser is what USER() and CURRENT_USER() return.
const CurrentUser = "quiver@localhost"

// constStringFunc is a zero-argument function returning s.
func constStringFunc(s string) ScalarFunc {
	return ScalarFunc{MinArgs: 0, MaxArgs: 0, AcceptsConstants: true,
		Resolve: func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{}, TypeString, nil
		},
		Kernel: func(kc KernelContext, _ []arrow.Array) (arrow.Array, error) {
			b := array.NewStringBuilder(kc.Mem)
			defer b.Release()
			b.Append(s)
			return b.NewArray(), nil
		}}
}

func constInt64Func(minArgs, maxArgs int, v int64) ScalarFunc {
	return ScalarFunc{MinArgs: minArgs, MaxArgs: maxArgs, AcceptsConstants: true,
		Resolve: func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{}, TypeInt64, nil
		},
		Kernel: func(kc KernelContext, _ []arrow.Array) (arrow.Array, error) {
			b := array.NewInt64Builder(kc.Mem)
			defer b.Release()
			b.Append(v)
			return b.NewArray(), nil
		}}
}

// charsetOf is CHARSET(x) / COLLATION(x) of a value of type t.
func charsetOf(t arrow.DataType, collation bool) string {
	if IsCollatedString(t) {
		if collation {
			return "utf8mb4_0900_ai_ci"
		}
		return "utf8mb4"
	}
	return "binary"
}

func sessionBuiltins() map[string]ScalarFunc {
	database := ScalarFunc{MinArgs: 0, MaxArgs: 0, AcceptsConstants: true,
		Resolve: func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{}, TypeString, nil
		},
		Kernel: func(kc KernelContext, _ []arrow.Array) (arrow.Array, error) {
			return nullArray(kc.Mem, TypeString, 1), nil
		}}
	user := constStringFunc(CurrentUser)
	lastInsertID := ScalarFunc{MinArgs: 0, MaxArgs: 1, AcceptsConstants: true,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return fixed(args, TypeInt64), TypeInt64, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			if len(a) == 1 {
				a[0].Retain()
				return a[0], nil
			}
			return constInt64Func(0, 0, 0).Kernel(kc, nil)
		}}
	charset := func(collation bool) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 1, AcceptsConstants: true,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				return []arrow.DataType{nil}, TypeString, nil
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				v := charsetOf(a[0].DataType(), collation)
				b := array.NewStringBuilder(kc.Mem)
				defer b.Release()
				n := a[0].Len()
				b.Reserve(n)
				for i := 0; i < n; i++ {
					b.Append(v)
				}
				return b.NewArray(), nil
			}}
	}
	return map[string]ScalarFunc{
		"database": database, "schema": database,
		"user": user, "current_user": user, "session_user": user, "system_user": user,
		"version": constStringFunc(MySQLVersion), "connection_id": constInt64Func(0, 0, 1),
		"last_insert_id": lastInsertID,
		"charset":        charset(false), "collation": charset(true),
	}
}
