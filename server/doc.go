// Package server is Quiver's Arrow Flight SQL front end: it decodes Flight
// SQL commands (through arrow-go's flightsql router), keeps sessions,
// signs tickets and prepared-statement handles, answers the metadata RPCs
// from the catalog root, runs queries on the exec.Engine and streams the
// batches back, and maps every error to a gRPC status in one place
// (errors.go).
//
// Design notes:
//   - Stateless: tickets, handles and session state are self-contained and
//     signed or client-held (see ticket.go, session.go), so any replica with
//     the same Config.Secret serves any client. The only per-process state is
//     the set of running streams, for CancelFlightInfo.
//   - DoGet is our own (stream.go): a client that disconnects mid-stream
//     cancels the query and every batch already produced is released.
//   - Panics in RPCs and in the goroutines this package starts are
//     recovered, logged with a stack as bugs and returned as Internal.
//   - Sessions carry typed options (session.go): catalog, schema,
//     ansi_quotes, time_zone (NOW(), FROM_UNIXTIME, UNIX_TIMESTAMP run in
//     it), query_timeout (enforced, timeout.go), cte_max_recursion_depth,
//     allow_view_types; SQL SET/USE reach the same options.
//   - Bulk ingest (ingest.go) streams an upload into one atomic Insert.
//   - Keys come from catalog.KeysProvider tables (keys.go); GetTables lists
//     stored views (catalog.ViewStore) as type VIEW beside the tables
//     (views.go).
//   - DDL and DML (CREATE/DROP, INSERT, UPDATE, DELETE, TRUNCATE, views,
//     indexes) answer DoPutCommandStatementUpdate with the engine's
//     affected-row count, and also run as queries returning that count.
//   - Result schemas carry Flight SQL column metadata (colmeta.go) and are
//     identical at prepare time, in FlightInfo and in the DoGet stream.
package server
