package planbuilder_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

func TestIsSessionStatement(t *testing.T) {
	for sql, want := range map[string]bool{
		"SET x = 1":                 true,
		"  use db":                  true,
		"-- c\n/* d */ Set a=b":     true,
		"USE":                       true,
		"SELECT 1":                  false,
		"SETTINGS":                  false,
		"user":                      false,
		"/* unterminated SET x = 1": false,
		"-- only a comment":         false,
	} {
		if got := planbuilder.IsSessionStatement(sql); got != want {
			t.Errorf("IsSessionStatement(%q) = %v, want %v", sql, got, want)
		}
	}
}

func TestBuildSessionChange(t *testing.T) {
	b := newBuilder(t, planbuilder.Limits{})
	p := planbuilder.NewParser()
	ctx := context.Background()
	for sql, want := range map[string]*planbuilder.SessionChange{
		"USE misc":  {Use: "misc"},
		"USE `a b`": {Use: "a b"},
		"SELECT 1":  nil,
		"SET time_zone = '+02:00', @@session.ANSI_QUOTES = ON, query_timeout = 30, x = DEFAULT, y = 1.5": {Set: []planbuilder.SessionAssignment{
			{Name: "time_zone", Value: "+02:00"}, {Name: "ansi_quotes", Value: "ON"}, {Name: "query_timeout", Value: "30"},
			{Name: "x", Default: true}, {Name: "y", Value: "1.5"},
		}},
	} {
		got, err := b.BuildSessionChange(ctx, p, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", sql, got, want)
		}
	}
	for sql, kind := range map[string]error{
		"SET GLOBAL x = 1":  errs.ErrNotImplemented,
		"SET @x = 1":        errs.ErrNotImplemented,
		"SET NAMES utf8mb4": errs.ErrNotImplemented,
		"SET x = 1 + 2":     errs.ErrNotImplemented,
		"SET x = ":          errs.ErrInvalid,
	} {
		_, err := b.BuildSessionChange(ctx, p, sql)
		wantKind(t, err, kind, "")
	}
}
