package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quiverdb/quiver/errs"
)

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		err  error
		code codes.Code
	}{
		{errs.Invalidf("bad"), codes.InvalidArgument},
		{errs.NotFoundf("unknown table t"), codes.NotFound},
		{errs.New(errs.ErrAlreadyExists, "t exists"), codes.AlreadyExists},
		{errs.NotImplementedf("joins"), codes.Unimplemented},
		{errs.Exhaustedf("memory"), codes.ResourceExhausted},
		{errs.New(errs.ErrUnavailable, "down"), codes.Unavailable},
		{errs.New(errs.ErrPermission, "read-only"), codes.PermissionDenied},
		{errs.Internalf("bug"), codes.Internal},
		{fmt.Errorf("wrapped: %w", errs.NotFoundf("x")), codes.NotFound},
		{errs.Wrap(errs.ErrUnavailable, context.Canceled, "reading"), codes.Canceled},
		{fmt.Errorf("scan: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
		{fmt.Errorf("no kind"), codes.Internal},
		{status.Error(codes.InvalidArgument, "from arrow-go"), codes.InvalidArgument},
		{status.Error(codes.Unknown, "unknown"), codes.Internal},
	}
	for _, c := range cases {
		var logBuf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logBuf, nil))
		got := toStatus(log, "/m", c.err)
		if status.Code(got) != c.code {
			t.Errorf("%v → %s, want %s", c.err, status.Code(got), c.code)
		}
		if c.code == codes.Internal {
			if msg := status.Convert(got).Message(); msg != internalMessage {
				t.Errorf("internal error leaks %q", msg)
			}
			if !strings.Contains(logBuf.String(), "internal error") {
				t.Errorf("internal error %v not logged", c.err)
			}
		}
	}
	if toStatus(slog.Default(), "/m", nil) != nil {
		t.Error("nil error must stay nil")
	}
}

func TestErrorMessageShortened(t *testing.T) {
	long := strings.Repeat("é", 1000) + "\nsecond line"
	got := status.Convert(toStatus(slog.Default(), "/m", errs.Invalidf("%s", long))).Message()
	if len(got) > maxStatusMessage || strings.Contains(got, "second line") || !strings.HasSuffix(got, "...") {
		t.Fatalf("message of %d bytes: %q...", len(got), got[:20])
	}
	if !strings.HasPrefix(got, "éé") || strings.ContainsRune(got, '\uFFFD') {
		t.Fatal("cut inside a rune")
	}
}
