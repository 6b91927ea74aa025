package planbuilder_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/planbuilder"
)

func newBuilder(t *testing.T, lim planbuilder.Limits) *planbuilder.Builder {
	return &planbuilder.Builder{Root: testRoot(t), Options: catalog.Options{Catalog: "demo", Schema: "public"}, Limits: lim}
}

func wantKind(t *testing.T, err, kind error, contains string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("got error %v, want kind %v", err, kind)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Fatalf("error %q does not mention %q", err, contains)
	}
}

func TestDeepNestingIsRejectedBeforeParsing(t *testing.T) {
	b := newBuilder(t, planbuilder.Limits{})
	p := planbuilder.NewParser()
	// Ten million parentheses overflow the TiDB parser's stack; the
	// pre-scan must stop them (the text is under 1 MiB... no: it is 20 MB,
	// so raise the size limit to prove the nesting check is what fires).
	deep := "SELECT " + strings.Repeat("(", 10_000_000) + "1" + strings.Repeat(")", 10_000_000)
	b.Limits.MaxSQLBytes = len(deep) + 1
	_, err := b.Build(context.Background(), p, deep)
	wantKind(t, err, errs.ErrResourceExhausted, "MaxNestingDepth")

	// Exactly at the limit is fine; parentheses in strings and comments
	// do not count.
	b.Limits = planbuilder.Limits{MaxNestingDepth: 50}
	ok := "SELECT " + strings.Repeat("(", 49) + "1" + strings.Repeat(")", 49) + " /* ((((( */, '(((((((' -- ((((("
	if _, err := b.Build(context.Background(), p, ok); err != nil {
		t.Fatalf("nesting at the limit: %v", err)
	}
	_, err = b.Build(context.Background(), p, "SELECT "+strings.Repeat("(", 51)+"1"+strings.Repeat(")", 51))
	wantKind(t, err, errs.ErrResourceExhausted, "deeper than 50")
}

func TestLongExpressionChainIsBounded(t *testing.T) {
	// a+a+a+... nests without parentheses: the binder's depth check stops
	// it with an error instead of exhausting the stack.
	b := newBuilder(t, planbuilder.Limits{MaxNestingDepth: 100})
	p := planbuilder.NewParser()
	sql := "SELECT " + strings.Repeat("a+", 5000) + "a FROM t"
	_, err := b.Build(context.Background(), p, sql)
	wantKind(t, err, errs.ErrResourceExhausted, "MaxNestingDepth")
	// Within the bound it builds.
	if _, err := b.Build(context.Background(), p, "SELECT "+strings.Repeat("a+", 500)+"a FROM t"); err != nil {
		t.Fatal(err)
	}
}

func TestSQLSizeLimit(t *testing.T) {
	b := newBuilder(t, planbuilder.Limits{})
	p := planbuilder.NewParser()
	big := "SELECT 1 /*" + strings.Repeat("x", 2<<20) + "*/"
	_, err := b.Build(context.Background(), p, big)
	wantKind(t, err, errs.ErrResourceExhausted, "MaxSQLBytes")
	// Under a raised limit, the same text parses.
	b.Limits.MaxSQLBytes = 3 << 20
	if _, err := b.Build(context.Background(), p, big); err != nil {
		t.Fatal(err)
	}
}

func TestInListLimit(t *testing.T) {
	b := newBuilder(t, planbuilder.Limits{MaxSQLBytes: 8 << 20})
	p := planbuilder.NewParser()
	items := strings.TrimSuffix(strings.Repeat("7,", 200_000), ",")
	_, err := b.Build(context.Background(), p, "SELECT a FROM t WHERE a IN ("+items+")")
	wantKind(t, err, errs.ErrResourceExhausted, "MaxInListItems")

	b.Limits.MaxInListItems = 200_000
	if _, err := b.Build(context.Background(), p, "SELECT a FROM t WHERE a IN ("+items+")"); err != nil {
		t.Fatal(err)
	}
}

func TestParserIsReusableAfterErrors(t *testing.T) {
	b := newBuilder(t, planbuilder.Limits{})
	p := planbuilder.NewParser()
	for _, bad := range []string{"SELEC", "SELECT (", "", "SELECT 1; SELECT 2"} {
		if _, err := b.Build(context.Background(), p, bad); !errors.Is(err, errs.ErrInvalid) {
			t.Fatalf("%q: got %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := b.Build(context.Background(), p, "SELECT a FROM t"); err != nil {
		t.Fatal(err)
	}
}

func TestANSIQuotes(t *testing.T) {
	b := newBuilder(t, planbuilder.Limits{})
	p := planbuilder.NewParser()
	b.Options.Values = map[string]string{"ansi_quotes": "true"}
	if _, err := b.Build(context.Background(), p, `SELECT "a" FROM "t"`); err != nil {
		t.Fatalf("ANSI quotes: %v", err)
	}
	// A parser reused by a session without the option is back in MySQL mode.
	b.Options.Values = nil
	plan, err := b.Build(context.Background(), p, `SELECT "a" FROM t`)
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Schema().Field(0).Name; got != "a" { // a string literal named by its value
		t.Fatalf("column name %q", got)
	}
}

func TestCancelledContext(t *testing.T) {
	b := newBuilder(t, planbuilder.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Build(ctx, planbuilder.NewParser(), "SELECT 1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestInvalidUTF8(t *testing.T) {
	b := newBuilder(t, planbuilder.Limits{})
	_, err := b.Build(context.Background(), planbuilder.NewParser(), "SELECT 'caf\xe9'")
	wantKind(t, err, errs.ErrInvalid, "UTF-8")
}
