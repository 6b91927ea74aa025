package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/quiverdb/quiver/errs"
)

// classify maps a driver error to an errs kind.
//
// Codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
func classify(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "28P01" || pgErr.Code == "28000" || pgErr.Code == "42501":
			return errs.ErrPermission
		case pgErr.Code == "42P01" || pgErr.Code == "42703" || pgErr.Code == "3F000" || pgErr.Code == "3D000":
			return errs.ErrNotFound
		case pgErr.Code == "42P07":
			return errs.ErrAlreadyExists
		case strings.HasPrefix(pgErr.Code, "53") || strings.HasPrefix(pgErr.Code, "54"):
			return errs.ErrResourceExhausted
		case strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P"):
			return errs.ErrUnavailable
		case strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23") || strings.HasPrefix(pgErr.Code, "42"):
			return errs.ErrInvalid
		case pgErr.Code == "0A000":
			return errs.ErrNotImplemented
		}
		return errs.ErrInternal
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errs.ErrUnavailable
	}
	// Closed pools and connections the server dropped (puddle and pgconn
	// do not export these as sentinels).
	if msg := err.Error(); strings.Contains(msg, "conn closed") || strings.Contains(msg, "closed pool") ||
		strings.Contains(msg, "connection refused") || strings.Contains(msg, "unexpected EOF") {
		return errs.ErrUnavailable
	}
	return errs.ErrInternal
}

// wrapErr returns err with its kind and a message naming what failed. When
// ctx was cancelled or timed out, the error wraps ctx.Err() (so callers see
// context.Canceled) rather than the driver's "query canceled". Every
// message goes through redact: a password never reaches an error.
func (s *source) wrapErr(ctx context.Context, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if ctx != nil && ctx.Err() != nil {
		return errs.Wrap(errs.ErrUnavailable, ctx.Err(), "postgres source %s: %s", s.name, s.redact(sprintf(format, args...)))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errs.Wrap(errs.ErrUnavailable, err, "postgres source %s: %s", s.name, s.redact(sprintf(format, args...)))
	}
	kind := classify(err)
	return &redactedErr{
		kind:  kind,
		msg:   "postgres source " + s.name + ": " + s.redact(sprintf(format, args...)) + ": " + s.redact(err.Error()),
		cause: err,
	}
}

// redactedErr carries a kind and a cause (for errors.Is/As) but shows only
// its own, redacted message.
type redactedErr struct {
	kind  error
	msg   string
	cause error
}

func (e *redactedErr) Error() string   { return e.msg }
func (e *redactedErr) Unwrap() []error { return []error{e.kind, e.cause} }

// redact removes the source's password from text.
func (s *source) redact(text string) string {
	if s.password != "" && len(s.password) >= 1 {
		text = strings.ReplaceAll(text, s.password, "xxxxx")
	}
	return text
}
