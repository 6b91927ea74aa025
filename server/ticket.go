package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
)

// Tickets and prepared-statement handles are self-contained and signed: the
// SQL text, the session options it runs under and an expiry travel inside
// the bytes the client holds, so any replica that shares the key can serve
// them and the server keeps no per-statement state.
//
// Wire format (version 1), all integers big-endian or unsigned varints:
//
//	version  u8   = 1
//	kind     u8   (ticketKind)
//	expires  i64  unix nanoseconds; 0 = never
//	body          kind-specific, see below
//	mac      [32] HMAC-SHA256(key, everything above)
//
//	kindStatement, kindPrepared body:
//	  sql, catalog, schema        uvarint length + bytes each
//	  n options                   uvarint, then n × (name, value) strings, sorted by name
//	  params                      uvarint length + bytes (Arrow IPC stream; empty = none)
//	kindResult body:
//	  rows affected               i64
//
// open verifies the length and the MAC before it reads any other byte;
// a forged, truncated or expired ticket is rejected with errs.ErrInvalid.

const (
	ticketVersion = 1
	macSize       = sha256.Size
	headerSize    = 1 + 1 + 8
	// maxTicketOptions bounds the option count a (validly signed) ticket
	// may carry; the decoder is defensive even after the MAC check.
	maxTicketOptions = 1024
)

// ticketKind separates the uses of signed bytes, so a prepared-statement
// handle can't be replayed as a DoGet ticket or the other way round.
type ticketKind uint8

const (
	// kindStatement: a DoGet ticket that plans and runs SQL.
	kindStatement ticketKind = 1
	// kindResult: a DoGet ticket for an already executed DDL/DML statement;
	// DoGet returns its affected-row count.
	kindResult ticketKind = 2
	// kindPrepared: a prepared-statement handle.
	kindPrepared ticketKind = 3
)

func (k ticketKind) String() string {
	switch k {
	case kindStatement:
		return "statement ticket"
	case kindResult:
		return "result ticket"
	case kindPrepared:
		return "prepared statement handle"
	default:
		return "unknown ticket"
	}
}

// ticket is the decoded content of a ticket or handle.
type ticket struct {
	Kind ticketKind
	// Expires is when the ticket stops being valid; zero means never.
	Expires time.Time
	SQL     string
	// Options are the session options the statement runs under (QueryID is
	// not carried: each execution gets its own).
	Options catalog.Options
	// Params is one row of bound parameter values as an Arrow IPC stream,
	// or empty.
	Params []byte
	// RowsAffected is the result of an executed update (kindResult).
	RowsAffected int64
}

// signer seals and opens tickets with one HMAC key. Safe for concurrent use.
type signer struct {
	key []byte
	now func() time.Time
	// macs pools HMAC states (hmac.New allocates and hashes the key).
	macs sync.Pool
}

func newSigner(key []byte, now func() time.Time) *signer {
	s := &signer{key: append([]byte(nil), key...), now: now}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

func (s *signer) sum(dst, msg []byte) []byte {
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	dst = m.Sum(dst)
	s.macs.Put(m)
	return dst
}

// seal encodes and signs t.
func (s *signer) seal(t ticket) []byte {
	b := make([]byte, 0, headerSize+len(t.SQL)+len(t.Params)+64+macSize)
	b = append(b, ticketVersion, byte(t.Kind))
	var exp int64
	if !t.Expires.IsZero() {
		exp = t.Expires.UnixNano()
	}
	b = binary.BigEndian.AppendUint64(b, uint64(exp))
	switch t.Kind {
	case kindResult:
		b = binary.BigEndian.AppendUint64(b, uint64(t.RowsAffected))
	default:
		b = appendString(b, t.SQL)
		b = appendString(b, t.Options.Catalog)
		b = appendString(b, t.Options.Schema)
		names := make([]string, 0, len(t.Options.Values))
		for k := range t.Options.Values {
			names = append(names, k)
		}
		sort.Strings(names)
		b = binary.AppendUvarint(b, uint64(len(names)))
		for _, k := range names {
			b = appendString(b, k)
			b = appendString(b, t.Options.Values[k])
		}
		b = binary.AppendUvarint(b, uint64(len(t.Params)))
		b = append(b, t.Params...)
	}
	return s.sum(b, b)
}

// open verifies b's MAC, then decodes it and checks it is of one of the
// kinds in want (want[0] names it in errors) and not expired. Every failure
// is errs.ErrInvalid and says what to do (ask for a new ticket, prepare
// again).
func (s *signer) open(b []byte, kinds ...ticketKind) (ticket, error) {
	want := kinds[0]
	if len(b) < headerSize+macSize {
		return ticket{}, errs.Invalidf("invalid %s: not issued by this server", want)
	}
	msg, mac := b[:len(b)-macSize], b[len(b)-macSize:]
	var buf [macSize]byte
	if !hmac.Equal(s.sum(buf[:0], msg), mac) {
		return ticket{}, errs.Invalidf("invalid %s: not issued by this server (bad signature)", want)
	}
	// Authentic from here on; still decode defensively.
	if msg[0] != ticketVersion {
		return ticket{}, errs.Invalidf("invalid %s: unsupported version %d", want, msg[0])
	}
	t := ticket{Kind: ticketKind(msg[1])}
	if !slices.Contains(kinds, t.Kind) {
		return ticket{}, errs.Invalidf("invalid %s: got a %s", want, t.Kind)
	}
	if exp := int64(binary.BigEndian.Uint64(msg[2:10])); exp != 0 {
		t.Expires = time.Unix(0, exp)
		if !s.now().Before(t.Expires) {
			return ticket{}, errs.Invalidf("%s expired at %s; request a new one", want, t.Expires.UTC().Format(time.RFC3339))
		}
	}
	d := decoder{b: msg[headerSize:]}
	if t.Kind == kindResult {
		t.RowsAffected = d.int64()
	} else {
		t.SQL = d.string()
		t.Options.Catalog = d.string()
		t.Options.Schema = d.string()
		n := d.uvarint()
		if n > maxTicketOptions {
			d.fail()
		}
		if n > 0 && !d.failed {
			t.Options.Values = make(map[string]string, n)
			for i := uint64(0); i < n && !d.failed; i++ {
				k := d.string()
				t.Options.Values[k] = d.string()
			}
		}
		if p := d.bytes(); len(p) > 0 {
			t.Params = p
		}
	}
	if d.failed || len(d.b) != 0 {
		return ticket{}, errs.Invalidf("invalid %s: malformed", want)
	}
	return t, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads the body; after the first error every read returns zero
// values and failed stays true.
type decoder struct {
	b      []byte
	failed bool
}

func (d *decoder) fail() { d.failed, d.b = true, nil }

func (d *decoder) uvarint() uint64 {
	if d.failed {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.failed || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) int64() int64 {
	if d.failed || len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := int64(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}
