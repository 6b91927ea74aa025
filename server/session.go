package server

import (
	"context"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/flight"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/session"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// Sessions are arrow-go's stateless cookie sessions (the whole option set
// rides in the `arrow_flight_session` cookie, so any replica can serve the
// next call and the server stores nothing). Clients without cookie support
// get the defaults on every call.
//
// Session options are typed and known in advance; a name the server does not
// know is refused (INVALID_NAME), never silently carried.
const (
	optCatalog    = "catalog"
	optSchema     = "schema"
	optANSIQuotes = "ansi_quotes"
)

type optionKind int

const (
	optString optionKind = iota
	optBool
)

// sessionOptionKinds are the options SetSessionOptions accepts. catalog and
// schema become catalog.Options.Catalog/Schema; the others go to
// catalog.Options.Values rendered as text ("true"/"false").
var sessionOptionKinds = map[string]optionKind{
	optCatalog:    optString,
	optSchema:     optString,
	optANSIQuotes: optBool,
}

// sessionOptions returns the catalog.Options of the calling session
// (defaults for options it has not set).
func (s *service) sessionOptions(ctx context.Context) (catalog.Options, error) {
	opts := catalog.Options{Catalog: s.defaultCatalog, Schema: s.defaultSchema}
	sess, err := session.GetSessionFromContext(ctx)
	if err != nil {
		return opts, nil // called outside the middleware (no session): defaults
	}
	for name, v := range sess.GetSessionOptions() {
		text, err := renderOption(name, v)
		if err != nil {
			return opts, errs.Wrap(errs.ErrInvalid, err, "the session cookie carries a bad option; call CloseSession")
		}
		switch name {
		case optCatalog:
			opts.Catalog = text
		case optSchema:
			opts.Schema = text
		default:
			if opts.Values == nil {
				opts.Values = map[string]string{}
			}
			opts.Values[name] = text
		}
	}
	return opts, nil
}

// renderOption checks v against the option's declared kind and renders it
// as text.
func renderOption(name string, v *flight.SessionOptionValue) (string, error) {
	kind, ok := sessionOptionKinds[name]
	if !ok {
		return "", errs.Invalidf("unknown session option %q", name)
	}
	switch kind {
	case optBool:
		if b, ok := v.GetOptionValue().(*pb.SessionOptionValue_BoolValue); ok {
			return strconv.FormatBool(b.BoolValue), nil
		}
		// JDBC passes every property as a string.
		if sv, ok := v.GetOptionValue().(*pb.SessionOptionValue_StringValue); ok {
			if b, err := strconv.ParseBool(sv.StringValue); err == nil {
				return strconv.FormatBool(b), nil
			}
		}
		return "", errs.Invalidf("session option %q takes a boolean", name)
	default:
		if sv, ok := v.GetOptionValue().(*pb.SessionOptionValue_StringValue); ok {
			return sv.StringValue, nil
		}
		return "", errs.Invalidf("session option %q takes a string", name)
	}
}

func setError(v pb.SetSessionOptionsResult_ErrorValue) *flight.SetSessionOptionsResultError {
	return &flight.SetSessionOptionsResultError{Value: v}
}

// SetSessionOptions sets options on the caller's session. Each rejected
// option is reported in the result (INVALID_NAME for unknown names,
// INVALID_VALUE for wrong types and unknown catalogs/schemas); valid ones
// are applied. An option with no value resets it to the default.
func (s *service) SetSessionOptions(ctx context.Context, req *flight.SetSessionOptionsRequest) (*flight.SetSessionOptionsResult, error) {
	sess, err := session.GetSessionFromContext(ctx)
	if err != nil {
		return nil, errs.Internalf("no session on the call (session middleware missing)")
	}
	res := &flight.SetSessionOptionsResult{}
	fail := func(name string, v pb.SetSessionOptionsResult_ErrorValue) {
		if res.Errors == nil {
			res.Errors = map[string]*flight.SetSessionOptionsResultError{}
		}
		res.Errors[name] = setError(v)
	}
	cur, err := s.sessionOptions(ctx)
	if err != nil {
		cur = catalog.Options{Catalog: s.defaultCatalog, Schema: s.defaultSchema}
	}
	opts := req.GetSessionOptions()
	// catalog first: a schema set in the same request is checked against it.
	names := make([]string, 0, len(opts))
	if _, ok := opts[optCatalog]; ok {
		names = append(names, optCatalog)
	}
	for name := range opts {
		if name != optCatalog {
			names = append(names, name)
		}
	}
	for _, name := range names {
		v := opts[name]
		if _, known := sessionOptionKinds[name]; !known {
			fail(name, flight.SetSessionOptionsResultErrorInvalidName)
			continue
		}
		if v.GetOptionValue() == nil { // reset to default
			sess.EraseSessionOption(name)
			switch name {
			case optCatalog:
				cur.Catalog = s.defaultCatalog
			case optSchema:
				cur.Schema = s.defaultSchema
			}
			continue
		}
		text, err := renderOption(name, v)
		if err != nil {
			fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
			continue
		}
		switch name {
		case optCatalog:
			if _, err := s.root.Catalog(text); err != nil {
				fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
				continue
			}
			cur.Catalog = text
		case optSchema:
			c, err := s.root.Catalog(cur.Catalog)
			if err == nil {
				_, err = c.Schema(text)
			}
			if err != nil {
				fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
				continue
			}
			cur.Schema = text
		}
		sess.SetSessionOption(name, v)
	}
	return res, nil
}

// GetSessionOptions reports the session's options, always including the
// current catalog and schema (defaults when unset).
func (s *service) GetSessionOptions(ctx context.Context, _ *flight.GetSessionOptionsRequest) (*flight.GetSessionOptionsResult, error) {
	res := &flight.GetSessionOptionsResult{SessionOptions: map[string]*flight.SessionOptionValue{}}
	if sess, err := session.GetSessionFromContext(ctx); err == nil {
		for name, v := range sess.GetSessionOptions() {
			if _, known := sessionOptionKinds[name]; known {
				res.SessionOptions[name] = v
			}
		}
	}
	opts, err := s.sessionOptions(ctx)
	if err != nil {
		return nil, err
	}
	res.SessionOptions[optCatalog] = stringOption(opts.Catalog)
	res.SessionOptions[optSchema] = stringOption(opts.Schema)
	return res, nil
}

func stringOption(v string) *flight.SessionOptionValue {
	return &flight.SessionOptionValue{OptionValue: &pb.SessionOptionValue_StringValue{StringValue: v}}
}

// CloseSession forgets the session's options (the cookie is invalidated).
func (s *service) CloseSession(ctx context.Context, _ *flight.CloseSessionRequest) (*flight.CloseSessionResult, error) {
	sess, err := session.GetSessionFromContext(ctx)
	if err != nil {
		return nil, errs.Internalf("no session on the call (session middleware missing)")
	}
	if err := sess.Close(); err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "closing the session")
	}
	return &flight.CloseSessionResult{Status: flight.CloseSessionResultClosed}, nil
}
