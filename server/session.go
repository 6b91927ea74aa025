package server

import (
	"context"
	"maps"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/session"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/expr"
)

// Sessions are arrow-go's stateless cookie sessions (the whole option set
// rides in the `arrow_flight_session` cookie, so any replica can serve the
// next call and the server stores nothing). Clients without cookie support
// get the defaults on every call.
//
// Session options are typed and known in advance; a name the server does not
// know is refused (INVALID_NAME), never silently carried.
const (
	optCatalog        = "catalog"
	optSchema         = "schema"
	optANSIQuotes     = "ansi_quotes"
	optTimeZone       = "time_zone"
	optQueryTimeout   = "query_timeout"
	optAllowViewTypes = "allow_view_types"
	optCTEMaxDepth    = "cte_max_recursion_depth"
)

type optionKind int

const (
	optString   optionKind = iota
	optBool                // true/false; JDBC's strings "true"/"1"/"on" too
	optDuration            // Go duration ("30s") or whole seconds; >= 0
	optZone                // IANA name, UTC/Z, or ±HH:MM
	optCount               // whole number 0..4294967295 (MySQL's unsigned system variables)
)

// sessionOptionKinds are the options SetSessionOptions and SQL SET accept.
// catalog and schema become catalog.Options.Catalog/Schema; the others go
// to catalog.Options.Values in the normalized text form parseOption
// returns ("true", "1m30s", "+02:00", "Europe/Paris").
var sessionOptionKinds = map[string]optionKind{
	optCatalog:        optString,
	optSchema:         optString,
	optANSIQuotes:     optBool,
	optTimeZone:       optZone,
	optQueryTimeout:   optDuration,
	optAllowViewTypes: optBool,
	optCTEMaxDepth:    optCount,
}

// optionDefaults are reported by GetSessionOptions for options the session
// has not set (catalog and schema come from the Config).
var optionDefaults = map[string]string{
	optANSIQuotes:     "false",
	optTimeZone:       "UTC",
	optQueryTimeout:   "0s",
	optAllowViewTypes: "false",
	optCTEMaxDepth:    "1000",
}

// validOptions lists the option names for error messages.
func validOptions() string {
	names := make([]string, 0, len(sessionOptionKinds))
	for n := range sessionOptionKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func unknownOption(name string) error {
	return errs.Invalidf("unknown session option %q; valid options: %s", name, validOptions())
}

// parseOption validates text as the value of option name and returns its
// normalized text. Errors are ErrInvalid and say what is accepted.
func parseOption(name, text string) (string, error) {
	kind, ok := sessionOptionKinds[name]
	if !ok {
		return "", unknownOption(name)
	}
	switch kind {
	case optBool:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true", "1", "on", "yes":
			return "true", nil
		case "false", "0", "off", "no":
			return "false", nil
		}
		return "", errs.Invalidf("session option %q takes a boolean (true/false, on/off, 1/0), got %q", name, text)
	case optDuration:
		t := strings.TrimSpace(text)
		d, err := time.ParseDuration(t)
		if err != nil {
			secs, perr := strconv.ParseInt(t, 10, 64)
			if perr != nil || secs > math.MaxInt64/int64(time.Second) {
				return "", errs.Invalidf("session option %q takes a duration such as '30s' or '5m', or whole seconds; got %q", name, text)
			}
			d = time.Duration(secs) * time.Second
		}
		if d < 0 {
			return "", errs.Invalidf("session option %q must not be negative (0 = no limit), got %q", name, text)
		}
		return d.String(), nil
	case optCount:
		n, err := strconv.ParseUint(strings.TrimSpace(text), 10, 32)
		if err != nil {
			return "", errs.Invalidf("session option %q takes a whole number from 0 to 4294967295, got %q", name, text)
		}
		return strconv.FormatUint(n, 10), nil
	case optZone:
		_, norm, err := expr.ParseTimeZone(text)
		if err != nil {
			return "", errs.Invalidf("session option %q: %v", name, err)
		}
		return norm, nil
	default:
		return text, nil
	}
}

// optionText returns the text of a wire option value (before parseOption).
func optionText(name string, v *flight.SessionOptionValue) (string, error) {
	switch x := v.GetOptionValue().(type) {
	case *pb.SessionOptionValue_StringValue:
		return x.StringValue, nil
	case *pb.SessionOptionValue_BoolValue:
		if sessionOptionKinds[name] == optBool {
			return strconv.FormatBool(x.BoolValue), nil
		}
	case *pb.SessionOptionValue_Int64Value:
		if k := sessionOptionKinds[name]; k == optDuration || k == optBool || k == optCount {
			return strconv.FormatInt(x.Int64Value, 10), nil
		}
	}
	return "", errs.Invalidf("session option %q takes a %s", name, kindName(sessionOptionKinds[name]))
}

func kindName(k optionKind) string {
	switch k {
	case optBool:
		return "boolean"
	case optDuration:
		return "duration string ('30s') or integer seconds"
	case optZone:
		return "time zone string"
	case optCount:
		return "whole number"
	}
	return "string"
}

// wireValue is how a normalized option is stored in the session and
// reported by GetSessionOptions: booleans as bool, the rest as strings.
func wireValue(name, text string) *flight.SessionOptionValue {
	if sessionOptionKinds[name] == optBool {
		return &flight.SessionOptionValue{OptionValue: &pb.SessionOptionValue_BoolValue{BoolValue: text == "true"}}
	}
	return stringOption(text)
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

// renderOption checks v against the option's declared kind and returns its
// normalized text.
func renderOption(name string, v *flight.SessionOptionValue) (string, error) {
	if _, ok := sessionOptionKinds[name]; !ok {
		return "", unknownOption(name)
	}
	text, err := optionText(name, v)
	if err != nil {
		return "", err
	}
	return parseOption(name, text)
}

// setOption validates and applies one option to sess, keeping cur (the
// session's options as they will be after this call) up to date. reset
// restores the default. Errors: ErrInvalid for unknown names and bad
// values, ErrNotFound for unknown catalogs and schemas.
func (s *service) setOption(sess session.ServerSession, cur *catalog.Options, name, text string, reset bool) error {
	if _, ok := sessionOptionKinds[name]; !ok {
		return unknownOption(name)
	}
	if reset {
		sess.EraseSessionOption(name)
		switch name {
		case optCatalog:
			cur.Catalog = s.defaultCatalog
		case optSchema:
			cur.Schema = s.defaultSchema
		default:
			delete(cur.Values, name)
		}
		return nil
	}
	text, err := parseOption(name, text)
	if err != nil {
		return err
	}
	switch name {
	case optCatalog:
		if _, err := s.root.Catalog(text); err != nil {
			return errs.Wrap(errs.ErrNotFound, err, "session option catalog: no catalog %q", text)
		}
		cur.Catalog = text
	case optSchema:
		c, err := s.root.Catalog(cur.Catalog)
		if err == nil {
			_, err = c.Schema(text)
		}
		if err != nil {
			return errs.Wrap(errs.ErrNotFound, err, "session option schema: no schema %q in catalog %q", text, cur.Catalog)
		}
		cur.Schema = text
	default:
		if cur.Values == nil {
			cur.Values = map[string]string{}
		}
		cur.Values[name] = text
	}
	sess.SetSessionOption(name, wireValue(name, text))
	return nil
}

// applySessionChange applies a SET or USE statement to the caller's
// session. It is all or nothing: every assignment is checked first.
func (s *service) applySessionChange(ctx context.Context, sc *exec.SessionChange) error {
	sess, err := session.GetSessionFromContext(ctx)
	if err != nil {
		return errs.Internalf("no session on the call (session middleware missing)")
	}
	cur, err := s.sessionOptions(ctx)
	if err != nil {
		return err
	}
	if sc.Use != "" {
		c, err := s.root.Catalog(cur.Catalog)
		if err == nil {
			_, err = c.Schema(sc.Use)
		}
		if err != nil {
			return errs.Wrap(errs.ErrNotFound, err, "USE %s: no schema %q in catalog %q (switch catalogs with SET catalog = '...')", sc.Use, sc.Use, cur.Catalog)
		}
		sess.SetSessionOption(optSchema, stringOption(sc.Use))
		sendSessionCookie(ctx, sess)
		return nil
	}
	// Validate everything against a scratch session first.
	scratch := &recordingSession{}
	check := cur
	check.Values = maps.Clone(cur.Values)
	for _, a := range sc.Set {
		if err := s.setOption(scratch, &check, a.Name, a.Value, a.Default); err != nil {
			return err
		}
	}
	for _, op := range scratch.ops {
		if op.v == nil {
			sess.EraseSessionOption(op.name)
		} else {
			sess.SetSessionOption(op.name, op.v)
		}
	}
	sendSessionCookie(ctx, sess)
	return nil
}

// sendSessionCookie puts the session's new cookie in the response headers.
// The session middleware sends it in the trailers too, but clients that
// stop reading a stream after its first message (arrow-go's and JDBC's
// executeUpdate over DoPut) never see those.
func sendSessionCookie(ctx context.Context, sess session.ServerSession) {
	c, err := session.CreateCookieForSession(sess)
	if err != nil {
		return // the trailer path reports nothing better; keep the old cookie
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs("Set-Cookie", c.String()))
}

// recordingSession records option changes (to apply them only once all
// of a SET's assignments are valid).
type recordingSession struct {
	session.ServerSession
	ops []struct {
		name string
		v    *flight.SessionOptionValue
	}
}

func (r *recordingSession) SetSessionOption(name string, v *flight.SessionOptionValue) {
	r.ops = append(r.ops, struct {
		name string
		v    *flight.SessionOptionValue
	}{name, v})
}

func (r *recordingSession) EraseSessionOption(name string) {
	r.ops = append(r.ops, struct {
		name string
		v    *flight.SessionOptionValue
	}{name, nil})
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
		reset := v.GetOptionValue() == nil
		var text string
		if !reset {
			if text, err = optionText(name, v); err != nil {
				fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
				continue
			}
		}
		if err := s.setOption(sess, &cur, name, text, reset); err != nil {
			fail(name, flight.SetSessionOptionsResultErrorInvalidValue)
		}
	}
	return res, nil
}

// GetSessionOptions reports every option the server knows with the
// session's value (the default when unset), so it also lists the valid
// names and their types.
func (s *service) GetSessionOptions(ctx context.Context, _ *flight.GetSessionOptionsRequest) (*flight.GetSessionOptionsResult, error) {
	res := &flight.GetSessionOptionsResult{SessionOptions: map[string]*flight.SessionOptionValue{}}
	opts, err := s.sessionOptions(ctx)
	if err != nil {
		return nil, err
	}
	for name, def := range optionDefaults {
		text := def
		if v, ok := opts.Values[name]; ok {
			text = v
		}
		res.SessionOptions[name] = wireValue(name, text)
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
