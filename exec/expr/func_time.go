package expr

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// TIME-valued and period functions (MySQL 8 semantics): TIMEDIFF,
// TIME_TO_SEC, SEC_TO_TIME, ADDTIME, SUBTIME, MAKETIME, TIME_FORMAT,
// PERIOD_ADD, PERIOD_DIFF, TO_SECONDS, TIMESTAMP(expr[, time]),
// TIMESTAMPADD and GET_FORMAT.
//
// TIME values are TIME64(µs) holding a signed duration: like MySQL's TIME
// they may be negative or exceed 24 hours and are clamped to
// ±838:59:59. Strings that are neither a datetime nor a time give NULL.

// maxTimeMicros is MySQL's largest TIME, 838:59:59.
const maxTimeMicros = (838*3600 + 59*60 + 59) * int64(1e6)

func clampTime(us int64) int64 {
	return max(-maxTimeMicros, min(maxTimeMicros, us))
}

// parseTimeValue parses MySQL TIME text: [-][D ]hh:mm[:ss[.ffffff]],
// [-]hhmmss[.ffffff], mmss or ss. Values beyond 838:59:59 clamp.
func parseTimeValue(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = strings.TrimSpace(s[1:])
	}
	var days int64
	if d, rest, ok := strings.Cut(s, " "); ok && strings.Contains(rest, ":") {
		v, err := strconv.ParseInt(d, 10, 64)
		if err != nil || v < 0 || v > 34 {
			return 0, false
		}
		days, s = v, strings.TrimSpace(rest)
	}
	var us int64
	if strings.Contains(s, ":") {
		parts := strings.Split(s, ":")
		if len(parts) > 3 {
			return 0, false
		}
		h, err1 := strconv.ParseInt(parts[0], 10, 64)
		m, err2 := strconv.ParseInt(parts[1], 10, 64)
		if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 1e6 {
			return 0, false
		}
		us = (h*3600 + m*60) * 1e6
		if len(parts) == 3 {
			sec, ok := parseSecondsFrac(parts[2])
			if !ok {
				return 0, false
			}
			us += sec
		}
	} else {
		whole, frac, _ := strings.Cut(s, ".")
		if whole == "" || len(whole) > 7 {
			return 0, false
		}
		v, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || v < 0 {
			return 0, false
		}
		h, m, sec := v/10000, v/100%100, v%100
		if m > 59 || sec > 59 {
			return 0, false
		}
		fs := int64(0)
		if frac != "" {
			f, ok := parseSecondsFrac("0." + frac)
			if !ok {
				return 0, false
			}
			fs = f
		}
		us = (h*3600+m*60+sec)*1e6 + fs
	}
	us += days * 86400e6
	if neg {
		us = -us
	}
	return clampTime(us), true
}

// parseSecondsFrac parses "ss[.ffffff]" (ss <= 59) into microseconds.
func parseSecondsFrac(s string) (int64, bool) {
	sec, frac, _ := strings.Cut(s, ".")
	sv, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || sv < 0 || sv > 59 {
		return 0, false
	}
	us := sv * 1e6
	if frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		for _, c := range frac {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		fv, _ := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		us += fv
	}
	return us, true
}

// tval is a temporal argument value: a datetime (µs since the epoch) or a
// TIME (signed µs).
type tval struct {
	us   int64
	isDT bool
}

// tvalReader reads DATE, DATETIME, TIME or string values; strings are a
// datetime when they parse as one, else a TIME.
func tvalReader(a arrow.Array) func(i int) (tval, bool) {
	switch a.DataType().ID() {
	case arrow.DATE32:
		v := fixedVals[arrow.Date32](a)
		return func(i int) (tval, bool) { return tval{int64(v[i]) * 86400e6, true}, true }
	case arrow.TIMESTAMP:
		v := fixedVals[arrow.Timestamp](a)
		u := timestampUnit(a.DataType())
		return func(i int) (tval, bool) { return tval{v[i].ToTime(u).UnixMicro(), true}, true }
	case arrow.TIME64:
		v := fixedVals[int64](a)
		mul := int64(timeUnit(a.DataType()).Multiplier()) / 1000
		return func(i int) (tval, bool) {
			if mul == 0 {
				return tval{v[i] / 1000, false}, true
			}
			return tval{v[i] * mul, false}, true
		}
	}
	s := stringReader(a)
	return func(i int) (tval, bool) {
		txt := s(i)
		if strings.Contains(txt, "-") && !strings.HasPrefix(strings.TrimSpace(txt), "-") || len(strings.TrimSpace(txt)) >= 8 && !strings.Contains(txt, ":") {
			if t, ok := parseDateTime(txt); ok {
				return tval{t.UnixMicro(), true}, true
			}
		}
		us, ok := parseTimeValue(txt)
		return tval{us, false}, ok
	}
}

// timeOfDay reads an argument as a TIME: datetimes give their time of day.
func timeOfDay(a arrow.Array) func(i int) (int64, bool) {
	r := tvalReader(a)
	return func(i int) (int64, bool) {
		v, ok := r(i)
		if !ok {
			return 0, false
		}
		if v.isDT {
			return ((v.us % 86400e6) + 86400e6) % 86400e6, true
		}
		return v.us, true
	}
}

// timeArg resolves an argument read by tvalReader: temporal types and
// strings as they are, numbers as their text.
func timeArg(t arrow.DataType) arrow.DataType {
	switch classOf(t) {
	case clsDate, clsTimestamp, clsTime, clsString, clsBinary, clsNull:
		return nil
	}
	return TypeString
}

// buildTimeValues builds a TIME result (µs) from f.
func buildTimeValues(kc KernelContext, args []arrow.Array, f func(i int) (int64, bool)) arrow.Array {
	n := kc.N
	validity := newBitmap(kc.Mem, n)
	vb := validity.Bytes()
	buf, out := newFixed[int64](kc.Mem, n)
	for i := 0; i < n; i++ {
		out[i] = 0
		if !allValid(args, i) {
			continue
		}
		if v, ok := f(i); ok {
			out[i] = v
			bitutil.SetBit(vb, i)
		}
	}
	return makeArray(TypeTime, n, validity, buf)
}

// timeFormat renders a TIME with TIME_FORMAT specifiers (date specifiers
// read a zero date: %Y is 0000, %M, %W, %D, %j, %U... make the result NULL,
// as in MySQL).
func timeFormat(us int64, f string) (string, bool) {
	var sb strings.Builder
	if us < 0 {
		sb.WriteByte('-')
		us = -us
	}
	sec := us / 1e6
	hour, minute, second, micro := sec/3600, sec/60%60, sec%60, us%1e6
	two := func(v int64) {
		if v < 10 {
			sb.WriteByte('0')
		}
		sb.WriteString(strconv.FormatInt(v, 10))
	}
	h12 := (hour%24+11)%12 + 1
	// hms writes h:minute:second, each two digits at least.
	hms := func(h int64) {
		two(h)
		sb.WriteByte(':')
		two(minute)
		sb.WriteByte(':')
		two(second)
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch f[i] {
		case 'H':
			two(hour)
		case 'k':
			sb.WriteString(strconv.FormatInt(hour, 10))
		case 'h', 'I':
			two(h12)
		case 'l':
			sb.WriteString(strconv.FormatInt(h12, 10))
		case 'i':
			two(minute)
		case 'S', 's':
			two(second)
		case 'f':
			sb.WriteString(strconv.FormatInt(micro+1e6, 10)[1:])
		case 'p':
			if hour%24 < 12 {
				sb.WriteString("AM")
			} else {
				sb.WriteString("PM")
			}
		case 'r':
			hms(h12)
			if hour%24 < 12 {
				sb.WriteString(" AM")
			} else {
				sb.WriteString(" PM")
			}
		case 'T':
			hms(hour)
		case 'Y':
			sb.WriteString("0000")
		case 'y', 'm', 'd':
			sb.WriteString("00")
		case 'c', 'e':
			sb.WriteByte('0')
		case 'M', 'b', 'W', 'a', 'D', 'j', 'U', 'u', 'V', 'v', 'X', 'x', 'w':
			return "", false
		default:
			sb.WriteByte(f[i])
		}
	}
	return sb.String(), true
}

// periodMonths converts a YYMM / YYYYMM period to a month count; ok=false
// for a month outside 1..12 (MySQL 8 rejects such periods).
func periodMonths(p int64) (int64, bool) {
	if p == 0 {
		return 0, true
	}
	if p < 0 {
		return 0, false
	}
	y, m := p/100, p%100
	if m < 1 || m > 12 {
		return 0, false
	}
	if y < 70 {
		y += 2000
	} else if y < 100 {
		y += 1900
	}
	return y*12 + m - 1, true
}

var getFormats = map[string]map[string]string{
	"DATE": {"USA": "%m.%d.%Y", "JIS": "%Y-%m-%d", "ISO": "%Y-%m-%d", "EUR": "%d.%m.%Y", "INTERNAL": "%Y%m%d"},
	"DATETIME": {"USA": "%Y-%m-%d %H.%i.%s", "JIS": "%Y-%m-%d %H:%i:%s", "ISO": "%Y-%m-%d %H:%i:%s",
		"EUR": "%Y-%m-%d %H.%i.%s", "INTERNAL": "%Y%m%d%H%i%s"},
	"TIME": {"USA": "%h:%i:%s %p", "JIS": "%H:%i:%s", "ISO": "%H:%i:%s", "EUR": "%H.%i.%s", "INTERNAL": "%H%i%s"},
}

func timeMoreBuiltins() map[string]ScalarFunc {
	i64 := TypeInt64
	// TIMEDIFF(a, b): a - b as TIME; both must be times or both datetimes
	// (NULL otherwise).
	timediff := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{timeArg(args[0]), timeArg(args[1])}, TypeTime, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			l, r := tvalReader(a[0]), tvalReader(a[1])
			return buildTimeValues(kc, a, func(i int) (int64, bool) {
				x, ok1 := l(i)
				y, ok2 := r(i)
				if !ok1 || !ok2 || x.isDT != y.isDT {
					return 0, false
				}
				return clampTime(x.us - y.us), true
			}), nil
		}}
	timeToSec := ScalarFunc{MinArgs: 1, MaxArgs: 1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{timeArg(args[0])}, i64, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r := timeOfDay(a[0])
			return rowWiseInt64(kc, a, func(i int) (int64, bool) {
				v, ok := r(i)
				return v / 1e6, ok
			}), nil
		}}
	secToTime := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: resolveFixed(TypeTime, TypeFloat64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			v := fixedVals[float64](a[0])
			return buildTimeValues(kc, a, func(i int) (int64, bool) {
				x := v[i]
				if math.IsNaN(x) {
					return 0, false
				}
				if math.Abs(x) > float64(maxTimeMicros/1e6) {
					return clampTime(int64(math.Copysign(float64(maxTimeMicros), x))), true
				}
				return clampTime(int64(math.Round(x * 1e6))), true
			}), nil
		}}
	// ADDTIME(e1, e2) / SUBTIME: e2 is a TIME; the result has e1's kind
	// (DATETIME for dates and datetimes, TIME for times, VARCHAR text of
	// either for strings).
	addTime := func(sign int64) ScalarFunc {
		return ScalarFunc{MinArgs: 2, MaxArgs: 2,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				out := []arrow.DataType{timeArg(args[0]), timeArg(args[1])}
				switch classOf(args[0]) {
				case clsDate:
					out[0] = TypeTimestamp
					return out, TypeTimestamp, nil
				case clsTimestamp:
					return out, TypeTimestamp, nil
				case clsTime:
					return out, TypeTime, nil
				}
				return out, TypeString, nil
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				l, r := tvalReader(a[0]), tvalReader(a[1])
				calc := func(i int) (tval, bool) {
					x, ok1 := l(i)
					y, ok2 := r(i)
					if !ok1 || !ok2 || y.isDT {
						return tval{}, false
					}
					x.us += sign * y.us
					if !x.isDT {
						x.us = clampTime(x.us)
					} else if t := time.UnixMicro(x.us).UTC(); t.Year() < 1 || t.Year() > 9999 {
						return tval{}, false
					}
					return x, true
				}
				switch kc.Result.ID() {
				case arrow.TIME64:
					return buildTimeValues(kc, a, func(i int) (int64, bool) { v, ok := calc(i); return v.us, ok }), nil
				case arrow.TIMESTAMP:
					return buildTimes(kc, a, TypeTimestamp, func(i int) (time.Time, bool) {
						v, ok := calc(i)
						return time.UnixMicro(v.us).UTC(), ok
					}, nil), nil
				}
				return rowWiseString(kc, a, func(i int) (string, bool) {
					v, ok := calc(i)
					if !ok {
						return "", false
					}
					if v.isDT {
						return formatTimestamp(v.us, arrow.Microsecond), true
					}
					return formatTime(v.us, arrow.Microsecond), true
				}), nil
			}}
	}
	// MAKETIME(hour, minute, second): NULL unless 0 <= minute, second < 60.
	makeTime := ScalarFunc{MinArgs: 3, MaxArgs: 3, Resolve: resolveFixed(TypeTime, i64, i64, TypeFloat64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			h, m, s := int64Vals(a[0]), int64Vals(a[1]), fixedVals[float64](a[2])
			return buildTimeValues(kc, a, func(i int) (int64, bool) {
				if m(i) < 0 || m(i) > 59 || s[i] < 0 || s[i] >= 60 || math.IsNaN(s[i]) {
					return 0, false
				}
				hh := h(i)
				if hh > 838 || hh < -838 {
					return clampTime(hh * 3600e6), true
				}
				us := (abs64(hh)*3600+m(i)*60)*1e6 + int64(math.Round(s[i]*1e6))
				if hh < 0 {
					us = -us
				}
				return clampTime(us), true
			}), nil
		}}
	timeFormatFn := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{timeArg(args[0]), TypeString}, TypeString, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r, f := timeOfDay(a[0]), stringReader(a[1])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				v, ok := r(i)
				if !ok {
					return "", false
				}
				return timeFormat(v, f(i))
			}), nil
		}}
	periodAdd := ScalarFunc{MinArgs: 2, MaxArgs: 2, Resolve: resolveFixed(i64, i64, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			p, n := int64Vals(a[0]), int64Vals(a[1])
			var ferr error
			out := rowWiseInt64(kc, a, func(i int) (int64, bool) {
				if p(i) == 0 {
					return 0, true
				}
				m, ok := periodMonths(p(i))
				if !ok {
					ferr = invalidf("incorrect arguments to period_add: %d is not a YYMM or YYYYMM period", p(i))
					return 0, false
				}
				m += n(i)
				if m < 0 {
					return 0, true
				}
				return m/12*100 + m%12 + 1, true
			})
			if ferr != nil {
				out.Release()
				return nil, ferr
			}
			return out, nil
		}}
	periodDiff := ScalarFunc{MinArgs: 2, MaxArgs: 2, Resolve: resolveFixed(i64, i64, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			p, q := int64Vals(a[0]), int64Vals(a[1])
			var ferr error
			out := rowWiseInt64(kc, a, func(i int) (int64, bool) {
				x, ok1 := periodMonths(p(i))
				y, ok2 := periodMonths(q(i))
				if !ok1 || !ok2 {
					ferr = invalidf("incorrect arguments to period_diff: %d and %d must be YYMM or YYYYMM periods", p(i), q(i))
					return 0, false
				}
				return x - y, true
			})
			if ferr != nil {
				out.Release()
				return nil, ferr
			}
			return out, nil
		}}
	toSeconds := ScalarFunc{MinArgs: 1, MaxArgs: 1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			t, err := dateTextArg(args[0])
			return []arrow.DataType{t}, i64, err
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r := dateNumberReader(a[0])
			return rowWiseInt64(kc, a, func(i int) (int64, bool) {
				t, ok := r(i)
				if !ok {
					return 0, false
				}
				return t.Unix() + 719528*86400, true
			}), nil
		}}
	// TIMESTAMP(expr[, time]): expr as DATETIME, plus time.
	timestampFn := ScalarFunc{MinArgs: 1, MaxArgs: 2,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			t, err := dateTextArg(args[0])
			if err != nil {
				return nil, nil, err
			}
			out := []arrow.DataType{t}
			if len(args) == 2 {
				out = append(out, timeArg(args[1]))
			}
			return out, TypeTimestamp, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			r := dateNumberReader(a[0])
			var add func(int) (tval, bool)
			if len(a) == 2 {
				add = tvalReader(a[1])
			}
			return buildTimes(kc, a, TypeTimestamp, func(i int) (time.Time, bool) {
				t, ok := r(i)
				if !ok || add == nil {
					return t, ok
				}
				d, ok := add(i)
				if !ok || d.isDT {
					return time.Time{}, false
				}
				t = t.Add(time.Duration(d.us) * time.Microsecond)
				return t, t.Year() >= 1 && t.Year() <= 9999
			}, nil), nil
		}}
	// TIMESTAMPADD(unit, n, datetime) is DATE_ADD(datetime, INTERVAL n unit)
	// for the single units.
	dateAdd := dateBuiltins()["date_add"]
	timestampAdd := ScalarFunc{MinArgs: 3, MaxArgs: 3,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			unit, err := unitArg(args[0])
			if err != nil {
				return nil, nil, err
			}
			if len(intervalUnits[unit]) != 1 {
				return nil, nil, invalidf("TIMESTAMPADD takes a single unit (MICROSECOND ... YEAR), not %s", unit)
			}
			ts, res, err := dateAdd.Bind([]Expr{args[2], args[1], args[0]})
			if err != nil {
				return nil, nil, err
			}
			return []arrow.DataType{ts[2], ts[1], ts[0]}, res, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			return dateAdd.Kernel(kc, []arrow.Array{a[2], a[1], a[0]})
		}}
	// GET_FORMAT(DATE|TIME|DATETIME|TIMESTAMP, 'EUR'|'USA'|'JIS'|'ISO'|'INTERNAL').
	getFormat := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			kind, ok := constString(args[0])
			kind = strings.ToUpper(kind)
			if kind == "TIMESTAMP" {
				kind = "DATETIME"
			}
			if _, known := getFormats[kind]; !ok || !known {
				return nil, nil, invalidf("GET_FORMAT's first argument must be DATE, TIME, DATETIME or TIMESTAMP")
			}
			return []arrow.DataType{nil, TypeString}, TypeString, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			kind, loc := stringReader(a[0]), stringReader(a[1])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				k := strings.ToUpper(kind(i))
				if k == "TIMESTAMP" {
					k = "DATETIME"
				}
				f, ok := getFormats[k][strings.ToUpper(strings.TrimSpace(loc(i)))]
				return f, ok
			}), nil
		}}
	return map[string]ScalarFunc{
		"timediff": timediff, "time_to_sec": timeToSec, "sec_to_time": secToTime,
		"addtime": addTime(1), "subtime": addTime(-1), "maketime": makeTime,
		"time_format": timeFormatFn, "period_add": periodAdd, "period_diff": periodDiff,
		"to_seconds": toSeconds, "timestamp": timestampFn, "timestampadd": timestampAdd,
		"get_format": getFormat,
	}
}

// dateTextArg resolves a date argument read by dateNumberReader: DATE and
// DATETIME as they are, strings kept as text (so the short numeric forms
// parse), numbers as their text.
func dateTextArg(t arrow.DataType) (arrow.DataType, error) {
	switch classOf(t) {
	case clsString, clsBinary:
		return nil, nil
	}
	return temporalOrString(t, false)
}

// dateNumberReader is timeReader that also reads MySQL's short numeric
// forms YYMMDD and YYMMDDhhmmss (years 70..99 are 19YY, 00..69 20YY).
func dateNumberReader(a arrow.Array) func(i int) (time.Time, bool) {
	r := timeReader(a)
	if c := classOf(a.DataType()); c != clsString && c != clsBinary {
		return r
	}
	s := stringReader(a)
	return func(i int) (time.Time, bool) {
		if t, ok := r(i); ok {
			return t, true
		}
		txt := strings.TrimSpace(s(i))
		if len(txt) != 6 && len(txt) != 12 {
			return time.Time{}, false
		}
		yy, err := strconv.Atoi(txt[:2])
		if err != nil {
			return time.Time{}, false
		}
		century := "20"
		if yy >= 70 {
			century = "19"
		}
		return parseDateTime(century + txt)
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
