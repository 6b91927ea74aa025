package server

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

// realEngine starts a server over the real engine with demo.public and
// demo.misc (writable memory schemas).
func realEngine(t *testing.T) *harness {
	t.Helper()
	pub, misc := qmem.NewSchema("public"), qmem.NewSchema("misc")
	c := catalog.NewCatalog("demo")
	must(t, c.AddSchema("public", pub))
	must(t, c.AddSchema("misc", misc))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	h := start(t, func(cfg *Config) { cfg.Engine = exec.New(exec.Config{Root: root}) })
	t.Cleanup(pub.Release)
	t.Cleanup(misc.Release)
	return h
}

func optionValues(t *testing.T, h *harness) map[string]string {
	t.Helper()
	res, err := h.cl.GetSessionOptions(ctxT(t), &flight.GetSessionOptionsRequest{})
	must(t, err)
	out := map[string]string{}
	for k, v := range res.SessionOptions {
		switch {
		case v.GetStringValue() != "":
			out[k] = v.GetStringValue()
		default:
			if v.GetBoolValue() {
				out[k] = "true"
			} else {
				out[k] = "false"
			}
		}
	}
	return out
}

func TestSessionOptionsTyped(t *testing.T) {
	h := start(t, nil)
	got := optionValues(t, h)
	want := map[string]string{"catalog": "demo", "schema": "public", "ansi_quotes": "false", "time_zone": "UTC", "query_timeout": "0s", "allow_view_types": "false", "cte_max_recursion_depth": "1000"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("default %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	res := setOptions(t, h, map[string]any{"time_zone": "Europe/Paris", "query_timeout": "90s", "allow_view_types": "on"})
	if len(res.Errors) != 0 {
		t.Fatalf("errors %v", res.Errors)
	}
	got = optionValues(t, h)
	if got["time_zone"] != "Europe/Paris" || got["query_timeout"] != "1m30s" || got["allow_view_types"] != "true" {
		t.Fatalf("after set %v", got)
	}
	res = setOptions(t, h, map[string]any{"time_zone": "+2:30"}) // MySQL accepts one-digit hours
	if len(res.Errors) != 0 || optionValues(t, h)["time_zone"] != "+02:30" {
		t.Fatalf("+2:30: errors %v, session %v", res.Errors, optionValues(t, h))
	}
	res = setOptions(t, h, map[string]any{"time_zone": "-0530", "query_timeout": int64(5), "cte_max_recursion_depth": int64(5000)})
	if len(res.Errors) != 0 {
		t.Fatalf("errors %v", res.Errors)
	}
	if got = optionValues(t, h); got["time_zone"] != "-05:30" || got["query_timeout"] != "5s" || got["cte_max_recursion_depth"] != "5000" {
		t.Fatalf("normalized %v", got)
	}
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)
	h.fetch(info)
	if o := h.eng.lastOptions(); o.Values["time_zone"] != "-05:30" || o.Values["query_timeout"] != "5s" || o.Values["allow_view_types"] != "true" {
		t.Fatalf("engine saw %+v", o)
	}
	for opt, bad := range map[string]any{
		"time_zone":               "Mars/Olympus",
		"query_timeout":           "-1s",
		"allow_view_types":        "perhaps",
		"cte_max_recursion_depth": "-1",
	} {
		res := setOptions(t, h, map[string]any{opt: bad})
		if e := res.Errors[opt]; e == nil || e.Value != flight.SetSessionOptionsResultErrorInvalidValue {
			t.Errorf("%s=%v: %v", opt, bad, res.Errors)
		}
	}
	if got := optionValues(t, h); got["time_zone"] != "-05:30" {
		t.Fatalf("rejected value changed the session: %v", got)
	}
}

func TestParseOption(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"time_zone", "utc", "UTC"}, {"time_zone", "Z", "UTC"}, {"time_zone", "+14:00", "+14:00"},
		{"time_zone", "America/New_York", "America/New_York"}, {"query_timeout", "0", "0s"},
		{"query_timeout", "1h", "1h0m0s"}, {"ansi_quotes", "OFF", "false"}, {"schema", "x", "x"},
		{"cte_max_recursion_depth", " 0 ", "0"}, {"cte_max_recursion_depth", "4294967295", "4294967295"},
	} {
		got, err := parseOption(c.name, c.in)
		if err != nil || got != c.want {
			t.Errorf("parseOption(%s, %q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
		}
	}
	for _, c := range [][2]string{{"time_zone", "+15:00"}, {"time_zone", "Local"}, {"time_zone", ""}, {"query_timeout", "soon"}, {"nope", "x"}, {"cte_max_recursion_depth", "4294967296"}, {"cte_max_recursion_depth", "many"}} {
		if _, err := parseOption(c[0], c[1]); err == nil {
			t.Errorf("parseOption(%s, %q) accepted", c[0], c[1])
		}
	}
	_, err := parseOption("nope", "1")
	if err == nil || !strings.Contains(err.Error(), "query_timeout") {
		t.Fatalf("unknown option error does not list the valid ones: %v", err)
	}
}

func TestSetAndUseStatements(t *testing.T) {
	h := realEngine(t)
	ctx := ctxT(t)
	// SET through GetFlightInfo (ADBC cursor.execute, JDBC execute): the
	// new cookie comes back on the unary response. (arrow-go's
	// ExecuteUpdate stops reading its DoPut stream after the first message,
	// so it never sees response metadata; the server sends the cookie in
	// the headers for clients that read them.)
	info, err := h.cl.Execute(ctx, "SET ansi_quotes = ON, query_timeout = '2m'")
	must(t, err)
	_, batches := h.fetch(info)
	if len(batches) != 1 || batches[0].Column(0).ValueStr(0) != "0" {
		t.Fatalf("SET result %v", batches)
	}
	if got := optionValues(t, h); got["ansi_quotes"] != "true" || got["query_timeout"] != "2m0s" {
		t.Fatalf("after SET %v", got)
	}
	// ANSI_QUOTES now applies to the session's statements.
	_, err = h.cl.ExecuteUpdate(ctx, `CREATE TABLE "Quoted" (a INT)`)
	must(t, err)

	// USE through the query path (ADBC cursor.execute).
	info, err = h.cl.Execute(ctx, "USE misc")
	must(t, err)
	h.fetch(info)
	if got := optionValues(t, h); got["schema"] != "misc" {
		t.Fatalf("after USE %v", got)
	}
	_, err = h.cl.ExecuteUpdate(ctx, "CREATE TABLE in_misc (a INT)")
	must(t, err)
	_, err = h.cl.Execute(ctx, "SELECT a FROM demo.misc.in_misc")
	must(t, err)

	// SET x = DEFAULT resets.
	n, err := h.cl.ExecuteUpdate(ctx, "SET `schema` = DEFAULT") // accepted over DoPut too
	must(t, err)
	if n != 0 {
		t.Fatalf("SET over DoPut affected %d rows", n)
	}
	info, err = h.cl.Execute(ctx, "SET `schema` = DEFAULT, ansi_quotes = DEFAULT")
	must(t, err)
	h.fetch(info)
	if got := optionValues(t, h); got["schema"] != "public" || got["ansi_quotes"] != "false" {
		t.Fatalf("after DEFAULT %v", got)
	}

	// Errors: nothing of a failing SET is applied.
	_, err = h.cl.ExecuteUpdate(ctx, "SET time_zone = '+01:00', nope = 1")
	wantCode(t, err, codes.InvalidArgument)
	if !strings.Contains(err.Error(), "valid options") {
		t.Fatalf("message does not list valid options: %v", err)
	}
	if got := optionValues(t, h); got["time_zone"] != "UTC" {
		t.Fatalf("failed SET applied a part: %v", got)
	}
	_, err = h.cl.ExecuteUpdate(ctx, "USE nowhere")
	wantCode(t, err, codes.NotFound)
	_, err = h.cl.ExecuteUpdate(ctx, "SET catalog = 'nowhere'")
	wantCode(t, err, codes.NotFound)
	_, err = h.cl.ExecuteUpdate(ctx, "SET query_timeout = 'soon'")
	wantCode(t, err, codes.InvalidArgument)
	_, err = h.cl.ExecuteUpdate(ctx, "SET GLOBAL query_timeout = 1")
	wantCode(t, err, codes.Unimplemented)
}

func TestQueryTimeout(t *testing.T) {
	h := start(t, nil)
	setOptions(t, h, map[string]any{"query_timeout": "200ms"})
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM slow") // blocks after its first batch
	must(t, err)
	start := time.Now()
	err = h.fetchErr(info)
	wantCode(t, err, codes.DeadlineExceeded)
	if !strings.Contains(err.Error(), "query_timeout") {
		t.Fatalf("message does not name the option: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timeout took %s", d)
	}
	// Without the option the same ticket kind runs unlimited: a fast query
	// under a timeout is unaffected.
	info, err = h.cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)
	h.fetch(info)
}

// allow_view_types: view layouts go out as the engine produced them.
func TestAllowViewTypes(t *testing.T) {
	h := start(t, nil)
	setOptions(t, h, map[string]any{"allow_view_types": true})
	info, err := h.cl.Execute(ctxT(t), "SELECT s FROM views")
	must(t, err)
	announced, err := flight.DeserializeSchema(info.Schema, h.mem)
	must(t, err)
	if announced.Field(0).Type.ID() != arrow.STRING_VIEW || announced.Field(1).Type.ID() != arrow.BINARY_VIEW {
		t.Fatalf("announced %s, want view types", announced)
	}
	sc, batches := h.fetch(info)
	if !sc.Equal(announced) || len(batches) != 2 {
		t.Fatalf("stream schema %s, %d batches", sc, len(batches))
	}
	if s := batches[1].Column(0).(*array.StringView); s.Value(1) != "a string longer than twelve bytes" {
		t.Fatalf("values %v", s)
	}
}

func TestDecimal256SentAsDecimal128(t *testing.T) {
	got := wireType(&arrow.Decimal256Type{Precision: 40, Scale: 4})
	if !arrow.TypeEqual(got, &arrow.Decimal128Type{Precision: 38, Scale: 4}) {
		t.Fatalf("wire type %s", got)
	}
	if got := wireType(&arrow.Decimal256Type{Precision: 20, Scale: 2}); !arrow.TypeEqual(got, &arrow.Decimal128Type{Precision: 20, Scale: 2}) {
		t.Fatalf("wire type %s", got)
	}
}
