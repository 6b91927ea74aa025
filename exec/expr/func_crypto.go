package expr

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Hash, encoding and identifier functions (MySQL 8 semantics): MD5, SHA1
// (SHA), SHA2, TO_BASE64, FROM_BASE64, UUID and WEIGHT_STRING. Digests are
// lower-case hexadecimal VARCHAR; a NULL argument gives NULL.

// analystBuiltins gathers the function tables of func_crypto.go,
// func_strmore.go, func_regexp.go, func_time.go, func_json.go and
// func_session.go (the functions BI tools and analysts call).
func analystBuiltins() map[string]ScalarFunc {
	out := map[string]ScalarFunc{}
	for _, m := range []map[string]ScalarFunc{cryptoBuiltins(), strMoreBuiltins(), regexpBuiltins(), timeMoreBuiltins(), jsonBuiltins(), sessionBuiltins()} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// hashHex hashes the raw bytes of a string row.
func hashHex(sum func([]byte) []byte) ScalarFunc {
	return ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: binaryOrStringArgs(TypeString),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				return hex.EncodeToString(sum([]byte(s(i)))), true
			}), nil
		}}
}

// binaryOrStringArgs keeps VARBINARY and VARCHAR arguments as they are (the
// bytes are what matter) and converts anything else to VARCHAR.
func binaryOrStringArgs(result arrow.DataType) func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
	return func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
		out := make([]arrow.DataType, len(args))
		for i, t := range args {
			switch classOf(t) {
			case clsString, clsBinary:
			default:
				out[i] = TypeString
			}
		}
		return out, result, nil
	}
}

// toBase64MySQL encodes like MySQL's TO_BASE64: standard alphabet with
// padding, a newline after every 76 output characters.
func toBase64MySQL(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	if len(enc) <= 76 {
		return enc
	}
	var sb strings.Builder
	sb.Grow(len(enc) + len(enc)/76)
	for len(enc) > 76 {
		sb.WriteString(enc[:76])
		sb.WriteByte('\n')
		enc = enc[76:]
	}
	sb.WriteString(enc)
	return sb.String()
}

// fromBase64MySQL decodes like MySQL's FROM_BASE64: whitespace is
// ignored, padding is optional at the very end; ok=false for anything else.
func fromBase64MySQL(s string) ([]byte, bool) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			return -1
		}
		return r
	}, s)
	if strings.ContainsRune(clean, '=') {
		b, err := base64.StdEncoding.DecodeString(clean)
		return b, err == nil
	}
	if len(clean)%4 == 1 {
		return nil, false
	}
	b, err := base64.RawStdEncoding.DecodeString(clean)
	return b, err == nil
}

// uuidState makes version-1 UUIDs as MySQL's UUID() does: a 60-bit
// timestamp of 100 ns intervals since 1582-10-15, a clock sequence and a
// random node id (multicast bit set: not a real MAC address). Timestamps
// strictly increase within the process, so values are unique.
var uuidState struct {
	once  sync.Once
	mu    sync.Mutex
	last  uint64
	seq   uint16
	node  [6]byte
	fault bool
}

func newUUID() string {
	st := &uuidState
	st.once.Do(func() {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			st.fault = true
		}
		copy(st.node[:], b[:6])
		st.node[0] |= 0x01
		st.seq = binary.BigEndian.Uint16(b[6:]) & 0x3fff
	})
	const gregorianOffset = 122192928000000000 // 100 ns units from 1582-10-15 to 1970-01-01
	st.mu.Lock()
	ts := uint64(time.Now().UnixNano()/100) + gregorianOffset
	if ts <= st.last {
		ts = st.last + 1
	}
	st.last = ts
	seq := st.seq
	node := st.node
	st.mu.Unlock()
	var u [16]byte
	binary.BigEndian.PutUint32(u[0:], uint32(ts))
	binary.BigEndian.PutUint16(u[4:], uint16(ts>>32))
	binary.BigEndian.PutUint16(u[6:], uint16(ts>>48)&0x0fff|0x1000)
	binary.BigEndian.PutUint16(u[8:], seq|0x8000)
	copy(u[10:], node[:])
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func cryptoBuiltins() map[string]ScalarFunc {
	md5Fn := hashHex(func(b []byte) []byte { s := md5.Sum(b); return s[:] })
	sha1Fn := hashHex(func(b []byte) []byte { s := sha1.Sum(b); return s[:] })
	// SHA2(str, bits): bits 224, 256, 384, 512 or 0 (= 256); NULL otherwise.
	sha2 := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			out, res, _ := binaryOrStringArgs(TypeString)(args[:1])
			return append(out, TypeInt64), res, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s, bits := stringReader(a[0]), int64Vals(a[1])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				b := []byte(s(i))
				switch bits(i) {
				case 0, 256:
					h := sha256.Sum256(b)
					return hex.EncodeToString(h[:]), true
				case 224:
					h := sha256.Sum224(b)
					return hex.EncodeToString(h[:]), true
				case 384:
					h := sha512.Sum384(b)
					return hex.EncodeToString(h[:]), true
				case 512:
					h := sha512.Sum512(b)
					return hex.EncodeToString(h[:]), true
				}
				return "", false
			}), nil
		}}
	toBase64 := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: binaryOrStringArgs(TypeString),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				v := s(i)
				if len(v) > maxStringResult/4*3 {
					return "", false
				}
				return toBase64MySQL([]byte(v)), true
			}), nil
		}}
	fromBase64 := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: binaryOrStringArgs(TypeBinary),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			b := array.NewBinaryBuilder(kc.Mem, arrow.BinaryTypes.Binary)
			defer b.Release()
			b.Reserve(kc.N)
			for i := 0; i < kc.N; i++ {
				if validAt(a[0], i) {
					if v, ok := fromBase64MySQL(s(i)); ok {
						b.Append(v)
						continue
					}
				}
				b.AppendNull()
			}
			return b.NewArray(), nil
		}}
	uuid := ScalarFunc{MinArgs: 0, MaxArgs: 0, Volatile: true,
		Resolve: func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{}, TypeString, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			if uuidState.fault {
				return nil, invalidf("UUID(): the system random source is unavailable")
			}
			return rowWiseString(kc, nil, func(int) (string, bool) { return newUUID(), true }), nil
		}}
	// WEIGHT_STRING(str [AS CHAR(n)|BINARY(n)]): the sort key of str under
	// its collation (VARCHAR: utf8mb4_0900_ai_ci as Quiver implements it;
	// VARBINARY: the bytes). The parser passes AS CHAR(n) as two extra
	// arguments: the keyword and n (the value is padded or cut to n
	// characters before weighing, as MySQL does).
	weight := ScalarFunc{MinArgs: 1, MaxArgs: 3,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			out := make([]arrow.DataType, len(args))
			switch classOf(args[0].Type()) {
			case clsString, clsBinary:
			default:
				out[0] = TypeString
			}
			if len(args) == 3 {
				kw, ok := constString(args[1])
				if !ok || (!strings.EqualFold(kw, "CHAR") && !strings.EqualFold(kw, "BINARY")) {
					return nil, nil, invalidf("WEIGHT_STRING(str AS CHAR(n) | BINARY(n)) expected")
				}
				if strings.EqualFold(kw, "BINARY") {
					out[0] = TypeBinary
				} else if out[0] == nil && classOf(args[0].Type()) == clsBinary {
					out[0] = TypeString
				}
				out[1], out[2] = TypeString, TypeInt64
			} else if len(args) == 2 {
				return nil, nil, invalidf("WEIGHT_STRING takes str [AS CHAR(n) | BINARY(n)]")
			}
			return out, TypeBinary, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			s := stringReader(a[0])
			collated := IsCollatedString(a[0].DataType())
			var width func(int) int64
			if len(a) == 3 {
				width = int64Vals(a[2])
			}
			b := array.NewBinaryBuilder(kc.Mem, arrow.BinaryTypes.Binary)
			defer b.Release()
			b.Reserve(kc.N)
			var key []byte
			for i := 0; i < kc.N; i++ {
				if !validAt(a[0], i) || (width != nil && !validAt(a[2], i)) {
					b.AppendNull()
					continue
				}
				v := s(i)
				if width != nil {
					w := width(i)
					if w < 1 || w > maxStringResult {
						b.AppendNull()
						continue
					}
					if collated {
						v = leftRunes(v, w)
						if pad := w - int64(len([]rune(v))); pad > 0 {
							v += strings.Repeat(" ", int(pad))
						}
					} else {
						if int64(len(v)) > w {
							v = v[:w]
						} else {
							v += strings.Repeat("\x00", int(w-int64(len(v))))
						}
					}
				}
				if collated {
					key = CollationKey(key[:0], v)
					b.Append(key)
				} else {
					b.Append([]byte(v))
				}
			}
			return b.NewArray(), nil
		}}
	return map[string]ScalarFunc{
		"md5": md5Fn, "sha1": sha1Fn, "sha": sha1Fn, "sha2": sha2,
		"to_base64": toBase64, "from_base64": fromBase64,
		"uuid": uuid, "weight_string": weight,
	}
}
