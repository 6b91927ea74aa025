package errs

import (
	"errors"
	"io"
	"testing"
)

func TestKindsAndMessages(t *testing.T) {
	err := NotFoundf("unknown table %s", "t")
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) || err.Error() != "unknown table t" {
		t.Fatalf("%v", err)
	}
	w := Wrap(ErrUnavailable, io.ErrUnexpectedEOF, "reading %s", "f.parquet")
	if !errors.Is(w, ErrUnavailable) || !errors.Is(w, io.ErrUnexpectedEOF) || w.Error() != "reading f.parquet: unexpected EOF" {
		t.Fatalf("%v", w)
	}
	for kind, e := range map[error]error{ErrInvalid: Invalidf("x"), ErrNotImplemented: NotImplementedf("x"), ErrInternal: Internalf("x"), ErrResourceExhausted: Exhaustedf("x")} {
		if !errors.Is(e, kind) {
			t.Fatalf("%v is not %v", e, kind)
		}
	}
}
