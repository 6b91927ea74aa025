// Package errs defines the error kinds every Quiver package wraps its errors
// with. It is a leaf: it imports nothing of ours, so providers written outside
// this module can return the same kinds.
//
// Wrap a kind with context using the helpers (or fmt.Errorf("...: %w", kind))
// and test with errors.Is. server/errors.go is the one place that maps kinds
// to gRPC status codes; an error that carries no kind is reported as Internal.
package errs

import (
	"errors"
	"fmt"
)

// The kinds. Each maps to one gRPC code (named in its comment).
var (
	// ErrInvalid: the request is wrong (syntax, types, bad option). InvalidArgument.
	ErrInvalid = errors.New("invalid argument")
	// ErrNotFound: a named catalog, schema, table or column does not exist. NotFound.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: CREATE of something that exists. AlreadyExists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrNotImplemented: a construct Quiver does not support (yet). Unimplemented.
	ErrNotImplemented = errors.New("not implemented")
	// ErrResourceExhausted: a configured limit was hit (memory, SQL size, rows). ResourceExhausted.
	ErrResourceExhausted = errors.New("resource exhausted")
	// ErrUnavailable: a data source cannot be reached right now. Unavailable.
	ErrUnavailable = errors.New("unavailable")
	// ErrPermission: the caller may not do this (read-only schema, auth). PermissionDenied.
	ErrPermission = errors.New("permission denied")
	// ErrInternal: a bug in Quiver (including recovered panics). Internal.
	ErrInternal = errors.New("internal error")
)

// kinded is an error message with a kind attached; errors.Is(err, kind) holds
// and Error() shows only the message, so users read "unknown table t", not
// "not found: unknown table t".
type kinded struct {
	kind error
	msg  string
	err  error // optional cause
}

func (k *kinded) Error() string {
	if k.err != nil {
		return k.msg + ": " + k.err.Error()
	}
	return k.msg
}

func (k *kinded) Unwrap() []error {
	if k.err != nil {
		return []error{k.kind, k.err}
	}
	return []error{k.kind}
}

// New returns an error of the given kind with a formatted message.
func New(kind error, format string, args ...any) error {
	return &kinded{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of the given kind whose message is the formatted text
// followed by cause's message. cause stays reachable through errors.Is/As.
func Wrap(kind error, cause error, format string, args ...any) error {
	return &kinded{kind: kind, msg: fmt.Sprintf(format, args...), err: cause}
}

// Invalidf is New(ErrInvalid, ...).
func Invalidf(format string, args ...any) error { return New(ErrInvalid, format, args...) }

// NotFoundf is New(ErrNotFound, ...).
func NotFoundf(format string, args ...any) error { return New(ErrNotFound, format, args...) }

// NotImplementedf is New(ErrNotImplemented, ...).
func NotImplementedf(format string, args ...any) error {
	return New(ErrNotImplemented, format, args...)
}

// Internalf is New(ErrInternal, ...).
func Internalf(format string, args ...any) error { return New(ErrInternal, format, args...) }

// Exhaustedf is New(ErrResourceExhausted, ...).
func Exhaustedf(format string, args ...any) error {
	return New(ErrResourceExhausted, format, args...)
}
