package optimizer

import "github.com/quiverdb/quiver/exec/expr"

// exprKey is a structural identity of a bound expression (expr.Fingerprint).
func exprKey(e expr.Expr) string { return expr.Fingerprint(e) }
