// Package planbuilder turns SQL text into an unoptimized logical plan
// (exec/logical), resolving names against a catalog.Root. It is the only
// importer of the TiDB parser: no third-party AST escapes it.
//
// Pipeline: Parser.Parse enforces the front-end limits (text size and a
// parenthesis pre-scan BEFORE the TiDB parser runs, because deep nesting
// overflows its stack; IN-list sizes after), then Builder binds the AST:
//
//	Scan → Filter(WHERE) → Aggregate → Filter(HAVING) → Project(select list
//	+ hidden ORDER BY keys) → Sort → Limit → Project(drop hidden keys)
//
// DISTINCT is an Aggregate with no aggregates over the projected columns.
// Scans carry no projection and no pushed filters: exec/optimizer does that.
//
// Name resolution follows MySQL: columns are case-insensitive; ORDER BY
// resolves names to select-list aliases before table columns, GROUP BY and
// HAVING the other way round; positions (GROUP BY 1) count select-list items.
// `db.t` names schema db in the session's current catalog; `c.s.t` names a
// catalog too. Errors carry errs kinds and MySQL-like messages.
//
// The binder is written for several relations: a scope is an ordered list of
// qualified columns, resolution checks qualifiers and ambiguity, and FROM is
// walked as a join tree, so joins need only a join node and a scope
// concatenation. Joins, subqueries, set operations and window functions
// return ErrNotImplemented naming the construct.
package planbuilder
