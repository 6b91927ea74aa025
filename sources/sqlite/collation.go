package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"

	msqlite "modernc.org/sqlite"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

// CollationName is the SQLite collation the provider registers on every
// connection it opens: the engine's string collation (utf8mb4_0900_ai_ci:
// case- and accent-insensitive, NO PAD; see exec/expr's collation rule),
// computed by the engine's own expr.CompareCollated, so SQLite orders,
// groups and compares strings under it exactly as the engine does. Pushed
// string filters, sort keys and group keys carry `COLLATE` + this name
// (EXPLAIN shows it). It exists only on the provider's connections: other
// SQLite clients of the same file never see (or need) it.
const CollationName = "quiver_utf8mb4_0900_ai_ci"

// collate is CollationName's clause, appended to string operands.
const collate = " COLLATE " + CollationName

// dialect is sqlgen's SQLite dialect with the engine's collation for
// string comparisons and IN.
var dialect = func() sqlgen.Dialect {
	d := sqlgen.SQLite
	d.EngineCollation = collate
	return d
}()

// liteDriver is a private modernc.org/sqlite driver carrying the
// collation, so registering it changes nothing for the process-wide
// "sqlite" driver (modernc's private-registration pattern: no
// sql.Register, no init side effect). Registration happens once, before
// the driver's first Open, as modernc requires.
var liteDriver = sync.OnceValues(func() (*msqlite.Driver, error) {
	d := &msqlite.Driver{}
	if err := d.RegisterCollationUtf8(CollationName, expr.CompareCollated); err != nil {
		return nil, err
	}
	return d, nil
})

// connector opens dsn through liteDriver.
type connector struct {
	d   *msqlite.Driver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }

// openDB opens a database/sql pool whose connections all have the
// collation.
func openDB(dsn string) (*sql.DB, error) {
	d, err := liteDriver()
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector{d: d, dsn: dsn}), nil
}
