package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quiverdb/quiver/errs"
)

// maxStatusMessage bounds the message of a gRPC status we return. Big status
// messages break some clients (DBeaver); the full error goes to the log.
const maxStatusMessage = 512

// internalMessage is what a client reads for errors that are bugs.
const internalMessage = "internal error; details are in the server log"

// kindCodes is the ONE mapping from Quiver error kinds (package errs) to gRPC
// status codes. Order matters only for errors that carry several kinds: the
// first match wins, so a request error is never reported as Internal.
var kindCodes = []struct {
	kind error
	code codes.Code
}{
	{errs.ErrInvalid, codes.InvalidArgument},
	{errs.ErrNotFound, codes.NotFound},
	{errs.ErrAlreadyExists, codes.AlreadyExists},
	{errs.ErrNotImplemented, codes.Unimplemented},
	{errs.ErrResourceExhausted, codes.ResourceExhausted},
	{errs.ErrUnavailable, codes.Unavailable},
	{errs.ErrPermission, codes.PermissionDenied},
	{errs.ErrInternal, codes.Internal},
}

// codeOf returns the gRPC code for err (nil → OK). Errors without a kind, and
// gRPC statuses with code Unknown, are Internal.
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	// Cancellation first: a query cancelled by its client often surfaces as
	// a provider error wrapping context.Canceled.
	switch {
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	}
	for _, kc := range kindCodes {
		if errors.Is(err, kc.kind) {
			return kc.code
		}
	}
	// A status produced by grpc itself or by arrow-go's routing layer (for
	// example "unable to parse command"): keep its code.
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown && st.Code() != codes.OK {
		return st.Code()
	}
	return codes.Internal
}

// toStatus converts any error returned by an RPC handler into a gRPC status
// error with a short message. Internal errors are logged in full (with the
// method name) and the client receives a generic message. Already-converted
// statuses pass through (with their message shortened).
func toStatus(log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	code := codeOf(err)
	msg := err.Error()
	if st, ok := status.FromError(err); ok {
		msg = st.Message()
	}
	switch code {
	case codes.Internal:
		log.Error("internal error", "method", method, "err", err)
		msg = internalMessage
	case codes.Canceled:
		msg = "canceled by the client"
	case codes.DeadlineExceeded:
		if !errors.Is(err, errQueryTimeout) { // ours names the option: keep it
			msg = "deadline exceeded"
		}
	default:
		log.Debug("request failed", "method", method, "code", code.String(), "err", err)
	}
	return status.Error(code, shorten(msg))
}

// shorten keeps the first line of msg, at most maxStatusMessage bytes, cut
// on a rune boundary.
func shorten(msg string) string {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) <= maxStatusMessage {
		return msg
	}
	cut := maxStatusMessage - len("...")
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "..."
}

// panicError logs a recovered panic as a bug, with its stack, and returns an
// errs.ErrInternal error to hand to the client. where names the RPC method
// or goroutine.
func panicError(log *slog.Logger, where string, recovered any) error {
	log.Error("BUG: panic recovered", "where", where, "panic", fmt.Sprint(recovered), "stack", string(debug.Stack()))
	return errs.Internalf("panic in %s", where)
}
