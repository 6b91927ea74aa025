package server

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

func TestTicketRoundTrip(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newSigner([]byte("k"), func() time.Time { return now })
	in := ticket{
		Kind: kindStatement, Expires: now.Add(time.Minute), SQL: "SELECT 1",
		Options: catalog.Options{Catalog: "demo", Schema: "public", Values: map[string]string{"b": "2", "a": "1"}},
		Params:  []byte{1, 2, 3},
	}
	out, err := s.open(s.seal(in), kindStatement)
	must(t, err)
	if !out.Expires.Equal(in.Expires) {
		t.Fatalf("expires %v, want %v", out.Expires, in.Expires)
	}
	out.Expires = in.Expires
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip\n%+v\nwant\n%+v", out, in)
	}

	res, err := s.open(s.seal(ticket{Kind: kindResult, RowsAffected: -3}), kindStatement, kindResult)
	must(t, err)
	if res.Kind != kindResult || res.RowsAffected != -3 || !res.Expires.IsZero() {
		t.Fatalf("result ticket %+v", res)
	}
}

func TestTicketRejected(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := now
	s := newSigner([]byte("k"), func() time.Time { return clock })
	good := s.seal(ticket{Kind: kindStatement, Expires: now.Add(time.Minute), SQL: "SELECT 1"})

	flip := append([]byte(nil), good...)
	flip[12] ^= 1 // a byte of the SQL text
	other := newSigner([]byte("other key"), func() time.Time { return now }).seal(ticket{Kind: kindStatement, SQL: "SELECT 1"})

	cases := map[string][]byte{
		"empty":     nil,
		"short":     good[:10],
		"tampered":  flip,
		"truncated": good[:len(good)-1],
		"other key": other,
		"extended":  append(append([]byte(nil), good...), 0),
	}
	for name, b := range cases {
		if _, err := s.open(b, kindStatement); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	// A handle is not a ticket.
	h := s.seal(ticket{Kind: kindPrepared, SQL: "SELECT 1"})
	if _, err := s.open(h, kindStatement); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("handle used as ticket: %v", err)
	}
	// Expiry.
	clock = now.Add(2 * time.Minute)
	if _, err := s.open(good, kindStatement); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("expired: %v", err)
	}
}

// The MAC is checked before anything is decoded: a body that would make a
// naive decoder allocate or fail is refused as a bad signature.
func TestTicketMACBeforeDecode(t *testing.T) {
	s := newSigner([]byte("k"), time.Now)
	b := make([]byte, headerSize+macSize+10)
	b[0], b[1] = ticketVersion, byte(kindStatement)
	for i := headerSize; i < headerSize+10; i++ {
		b[i] = 0xff // huge varint lengths
	}
	_, err := s.open(b, kindStatement)
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "bad signature") {
		t.Fatalf("got %v, want a bad signature error", err)
	}
}

func FuzzTicketOpen(f *testing.F) {
	s := newSigner([]byte("k"), time.Now)
	f.Add(s.seal(ticket{Kind: kindStatement, SQL: "SELECT 1", Options: catalog.Options{Values: map[string]string{"a": "b"}}}))
	f.Add([]byte{1, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = s.open(b, kindStatement, kindResult, kindPrepared) // must not panic
	})
}
