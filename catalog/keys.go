package catalog

import "context"

// KeysProvider is an optional Table ability: the source declares primary
// and foreign keys (PostgreSQL constraints, SQLite PRAGMAs). Front ends
// report them (Flight SQL GetPrimaryKeys/GetImportedKeys/...); the engine
// does not enforce them. Tables without it have no keys.
type KeysProvider interface {
	// PrimaryKey returns the table's primary key (zero value: none).
	PrimaryKey(ctx context.Context) (PrimaryKey, error)
	// ForeignKeys returns the keys from this table to others.
	ForeignKeys(ctx context.Context) ([]ForeignKey, error)
}

// PrimaryKey names a primary key's columns in key order. Name may be "".
type PrimaryKey struct {
	Name    string
	Columns []string
}

// KeyRule is a foreign key's ON UPDATE/ON DELETE action, numbered as in
// Flight SQL and JDBC (0 CASCADE, 1 RESTRICT, 2 SET NULL, 3 NO ACTION,
// 4 SET DEFAULT).
type KeyRule uint8

// Foreign key rules.
const (
	KeyRuleCascade KeyRule = iota
	KeyRuleRestrict
	KeyRuleSetNull
	KeyRuleNoAction
	KeyRuleSetDefault
)

// ForeignKey is a key from this table's Columns to RefColumns (same
// length, in key order) of the referenced table. Name and RefKeyName may
// be "".
type ForeignKey struct {
	Name                            string
	Columns                         []string
	RefCatalog, RefSchema, RefTable string
	RefColumns                      []string
	RefKeyName                      string
	OnUpdate, OnDelete              KeyRule
}
