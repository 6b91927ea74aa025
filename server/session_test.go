package server

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
)

func sessionStrings(t *testing.T, h *harness) map[string]string {
	t.Helper()
	res, err := h.cl.GetSessionOptions(ctxT(t), &flight.GetSessionOptionsRequest{})
	must(t, err)
	out := map[string]string{}
	for k, v := range res.SessionOptions {
		out[k] = v.GetStringValue()
	}
	return out
}

func setOptions(t *testing.T, h *harness, opts map[string]any) *flight.SetSessionOptionsResult {
	t.Helper()
	vals, err := flight.NewSessionOptionValues(opts)
	must(t, err)
	res, err := h.cl.SetSessionOptions(ctxT(t), &flight.SetSessionOptionsRequest{SessionOptions: vals})
	must(t, err)
	return res
}

func TestSessionOptions(t *testing.T) {
	h := start(t, nil)
	if got := sessionStrings(t, h); got["catalog"] != "demo" || got["schema"] != "public" {
		t.Fatalf("defaults %v", got)
	}

	res := setOptions(t, h, map[string]any{"catalog": "other", "schema": "misc", "ansi_quotes": true})
	if len(res.Errors) != 0 {
		t.Fatalf("errors %v", res.Errors)
	}
	if got := sessionStrings(t, h); got["catalog"] != "other" || got["schema"] != "misc" {
		t.Fatalf("after set: %v", got)
	}
	info, err := h.cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)
	opts := h.eng.lastOptions()
	if opts.Catalog != "other" || opts.Schema != "misc" || opts.Values["ansi_quotes"] != "true" {
		t.Fatalf("engine saw %+v", opts)
	}
	// The ticket carries the options: fetching runs under them.
	h.fetch(info)
	if opts := h.eng.lastOptions(); opts.Catalog != "other" || opts.Schema != "misc" {
		t.Fatalf("DoGet ran with %+v", opts)
	}
	// Prepared handles capture them too.
	p, err := h.cl.Prepare(ctxT(t), "SELECT v FROM t")
	must(t, err)
	setOptions(t, h, map[string]any{"catalog": "demo", "schema": "public"})
	info, err = p.Execute(ctxT(t))
	must(t, err)
	if opts := h.eng.lastOptions(); opts.Catalog != "other" {
		t.Fatalf("prepared statement ran with %+v, want its prepare-time catalog", opts)
	}
	h.fetch(info)
	must(t, p.Close(ctxT(t)))

	// Rejections, per option.
	res = setOptions(t, h, map[string]any{"nope": "x", "catalog": "missing", "ansi_quotes": "maybe"})
	want := map[string]pb.SetSessionOptionsResult_ErrorValue{
		"nope":        flight.SetSessionOptionsResultErrorInvalidName,
		"catalog":     flight.SetSessionOptionsResultErrorInvalidValue,
		"ansi_quotes": flight.SetSessionOptionsResultErrorInvalidValue,
	}
	for k, v := range want {
		if res.Errors[k] == nil || res.Errors[k].Value != v {
			t.Errorf("option %s: %v, want %s", k, res.Errors[k], v)
		}
	}
	res = setOptions(t, h, map[string]any{"schema": "misc"}) // not in demo
	if res.Errors["schema"] == nil {
		t.Fatal("schema of another catalog accepted")
	}
	if got := sessionStrings(t, h); got["catalog"] != "demo" || got["schema"] != "public" {
		t.Fatalf("rejected options changed the session: %v", got)
	}

	// Close forgets everything.
	setOptions(t, h, map[string]any{"catalog": "other", "schema": "misc"})
	cres, err := h.cl.CloseSession(ctxT(t), &flight.CloseSessionRequest{})
	must(t, err)
	if cres.Status != flight.CloseSessionResultClosed {
		t.Fatalf("close status %s", cres.Status)
	}
	if got := sessionStrings(t, h); got["catalog"] != "demo" || got["schema"] != "public" {
		t.Fatalf("after close: %v", got)
	}
}

// A client without cookies gets the defaults on every call.
func TestNoCookieClientGetsDefaults(t *testing.T) {
	h := start(t, nil)
	cl, err := flightsql.NewClient(h.srv.Addr().String(), nil, nil, insecureDial())
	must(t, err)
	defer cl.Close()
	info, err := cl.Execute(ctxT(t), "SELECT v FROM t")
	must(t, err)
	if opts := h.eng.lastOptions(); opts.Catalog != "demo" || opts.Schema != "public" {
		t.Fatalf("options %+v", opts)
	}
	rdr, err := cl.DoGet(ctxT(t), info.Endpoint[0].Ticket)
	must(t, err)
	for rdr.Next() {
	}
	must(t, rdr.Err())
	rdr.Release()
}
