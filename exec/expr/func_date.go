package expr

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Date and time functions (MySQL semantics, UTC wall clock: DATETIME has
// no time zone). Strings that are not valid dates give NULL, as MySQL
// does (with a warning); results outside years 1..9999 are NULL.

// ---- statement state ----

// stmtState is what one statement's evaluation shares across batches.
type stmtState struct {
	now   time.Time      // the statement's instant
	loc   *time.Location // the session time zone (never nil)
	mu    sync.Mutex
	rands map[randKey]*lockedRand
}

type stmtKey struct{}

// WithStatement returns a context carrying per-statement evaluation state:
// the statement time now (NOW(), CURDATE()... return it for every row of
// the statement, as MySQL does) and the sequences of RAND(seed). The engine
// calls it once per execution; without it NOW() reads the clock per batch
// and RAND(seed) restarts its sequence in every batch.
func WithStatement(ctx context.Context, now time.Time) context.Context {
	return WithStatementZone(ctx, now, time.UTC)
}

// WithStatementZone is WithStatement for a session whose time_zone is loc
// (nil means UTC). As in MySQL, NOW(), CURDATE(), CURTIME() and
// FROM_UNIXTIME return wall-clock values in loc, UNIX_TIMESTAMP(datetime)
// reads its argument as a wall-clock value in loc, and the UTC_* functions
// and UNIX_TIMESTAMP() ignore it.
func WithStatementZone(ctx context.Context, now time.Time, loc *time.Location) context.Context {
	if loc == nil {
		loc = time.UTC
	}
	return context.WithValue(ctx, stmtKey{}, &stmtState{now: now.UTC(), loc: loc, rands: map[randKey]*lockedRand{}})
}

// sessionZone is the statement's session time zone (UTC without one).
func sessionZone(ctx context.Context) *time.Location {
	if st := statementOf(ctx); st != nil {
		return st.loc
	}
	return time.UTC
}

// wallClock re-labels t's wall-clock reading in loc as UTC: DATETIME
// values are zone-less and the engine stores them as UTC-labelled times.
func wallClock(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, mo, d := l.Date()
	h, mi, sec := l.Clock()
	return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), time.UTC)
}

// fromWallClock is the instant at which loc's clocks read the zone-less
// value t (a UTC-labelled wall-clock reading).
func fromWallClock(t time.Time, loc *time.Location) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

func statementOf(ctx context.Context) *stmtState {
	if ctx == nil {
		return nil
	}
	st, _ := ctx.Value(stmtKey{}).(*stmtState)
	return st
}

// statementNow is the statement's time (microsecond precision).
func statementNow(ctx context.Context) time.Time {
	if st := statementOf(ctx); st != nil {
		return st.now.Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// randKey names one RAND(seed) sequence of a statement: each call site
// has its own, as in MySQL (SELECT RAND(3), RAND(3) gives the same value
// twice).
type randKey struct {
	call *Call
	seed int64
}

func statementRand(ctx context.Context, call *Call, seed int64) *lockedRand {
	st := statementOf(ctx)
	if st == nil {
		return &lockedRand{r: newMySQLRand(seed)}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	k := randKey{call, seed}
	r, ok := st.rands[k]
	if !ok {
		r = &lockedRand{r: newMySQLRand(seed)}
		st.rands[k] = r
	}
	return r
}

// ---- intervals ----

// intervalUnits lists the INTERVAL/EXTRACT/TIMESTAMPDIFF units and, for
// compound units, their fields (Y, M, D, h, m, s, u = microseconds).
var intervalUnits = map[string]string{
	"MICROSECOND": "u", "SECOND": "s", "MINUTE": "m", "HOUR": "h", "DAY": "D", "WEEK": "W",
	"MONTH": "M", "QUARTER": "Q", "YEAR": "Y",
	"SECOND_MICROSECOND": "su", "MINUTE_MICROSECOND": "msu", "MINUTE_SECOND": "ms",
	"HOUR_MICROSECOND": "hmsu", "HOUR_SECOND": "hms", "HOUR_MINUTE": "hm",
	"DAY_MICROSECOND": "Dhmsu", "DAY_SECOND": "Dhms", "DAY_MINUTE": "Dhm", "DAY_HOUR": "Dh",
	"YEAR_MONTH": "YM",
}

// dateOnlyUnit: adding it to a DATE keeps a DATE.
func dateOnlyUnit(u string) bool {
	switch u {
	case "DAY", "WEEK", "MONTH", "QUARTER", "YEAR", "YEAR_MONTH":
		return true
	}
	return false
}

// interval is a parsed INTERVAL value.
type interval struct {
	months int64
	micros int64
}

// intervalFromNumber converts a numeric INTERVAL value of a simple unit
// (fractions are rounded, except seconds which keep microseconds).
func intervalFromNumber(v float64, unit string) (interval, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e15 {
		return interval{}, false
	}
	if f := unitMicros[unit]; f != 0 && math.Abs(v)*f > maxIntervalMicros {
		return interval{}, false // beyond any DATETIME: NULL, as MySQL's overflow
	}
	r := int64(math.Round(v))
	switch unit {
	case "MICROSECOND":
		return interval{micros: r}, true
	case "SECOND":
		return interval{micros: int64(math.Round(v * 1e6))}, true
	case "MINUTE":
		return interval{micros: r * 60e6}, true
	case "HOUR":
		return interval{micros: r * 3600e6}, true
	case "DAY":
		return interval{micros: r * 86400e6}, true
	case "WEEK":
		return interval{micros: r * 7 * 86400e6}, true
	case "MONTH":
		return interval{months: r}, true
	case "QUARTER":
		return interval{months: 3 * r}, true
	case "YEAR":
		return interval{months: 12 * r}, true
	}
	return interval{}, false
}

// intervalFromString parses an INTERVAL value as MySQL does: the digit
// groups of the text fill the unit's fields from the right ('1:30'
// HOUR_MINUTE is 1 h 30 min; '5' HOUR_MINUTE is 5 min); a leading '-'
// negates the whole interval.
func intervalFromString(s, unit string) (interval, bool) {
	fields := intervalUnits[unit]
	s = strings.TrimSpace(s)
	if len(fields) == 1 {
		if fields == "s" {
			return intervalFromNumber(parseFloatPrefix(s), unit)
		}
		v, ok := parseIntPrefix(s)
		if !ok {
			return interval{}, false
		}
		return intervalFromNumber(float64(v), unit)
	}
	neg := strings.HasPrefix(s, "-")
	var groups []string
	cur := ""
	for _, c := range s {
		if c >= '0' && c <= '9' {
			cur += string(c)
			continue
		}
		if cur != "" {
			groups = append(groups, cur)
			cur = ""
		}
	}
	if cur != "" {
		groups = append(groups, cur)
	}
	if len(groups) == 0 || len(groups) > len(fields) {
		return interval{}, false
	}
	off := len(fields) - len(groups)
	var iv interval
	for k, g := range groups {
		f := fields[off+k]
		v, err := strconv.ParseInt(g, 10, 64)
		if err != nil || v > 1e12 {
			return interval{}, false
		}
		if f := fieldMicros[f]; f != 0 && float64(v)*f > maxIntervalMicros {
			return interval{}, false
		}
		switch f {
		case 'Y':
			iv.months += 12 * v
		case 'M':
			iv.months += v
		case 'D':
			iv.micros += v * 86400e6
		case 'h':
			iv.micros += v * 3600e6
		case 'm':
			iv.micros += v * 60e6
		case 's':
			iv.micros += v * 1e6
		case 'u':
			// Fractional digits: '1.5' SECOND_MICROSECOND is 1.500000 s.
			for len(g) < 6 {
				g += "0"
				v *= 10
			}
			iv.micros += v
		}
	}
	if neg {
		iv.months, iv.micros = -iv.months, -iv.micros
	}
	return iv, true
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// addInterval adds iv to t (month arithmetic clamps the day to the end of
// the month: '2024-01-31' + 1 MONTH = '2024-02-29'). ok=false when the
// result leaves years 1..9999.
func addInterval(t time.Time, iv interval, sign int64) (time.Time, bool) {
	if iv.months != 0 {
		y, m, d := t.Date()
		total := int64(y)*12 + int64(m-1) + sign*iv.months
		if total < 12 || total >= 10000*12 {
			return time.Time{}, false
		}
		ny, nm := int(total/12), time.Month(total%12+1)
		if dm := daysIn(ny, nm); d > dm {
			d = dm
		}
		h, mi, s := t.Clock()
		t = time.Date(ny, nm, d, h, mi, s, t.Nanosecond(), time.UTC)
	}
	if iv.micros != 0 {
		// Whole days first: a Duration (nanoseconds) overflows past 292
		// years, which INTERVAL 1<<37 SECOND exceeds.
		m := sign * iv.micros
		days := m / 86400e6
		if days > 4e6 || days < -4e6 {
			return time.Time{}, false
		}
		t = t.AddDate(0, 0, int(days)).Add(time.Duration(m%86400e6) * time.Microsecond)
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// ---- reading temporal arguments ----

// timeReader reads DATE, DATETIME or string (parsed) values as time.Time;
// ok=false for unparseable strings.
func timeReader(a arrow.Array) func(i int) (time.Time, bool) {
	switch a.DataType().ID() {
	case arrow.DATE32:
		v := fixedVals[arrow.Date32](a)
		return func(i int) (time.Time, bool) { return v[i].ToTime(), true }
	case arrow.TIMESTAMP:
		v := fixedVals[arrow.Timestamp](a)
		u := timestampUnit(a.DataType())
		return func(i int) (time.Time, bool) { return v[i].ToTime(u).UTC(), true }
	case arrow.TIME64:
		v := fixedVals[int64](a)
		u := timeUnit(a.DataType())
		return func(i int) (time.Time, bool) {
			return time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(v[i] * int64(u.Multiplier()))), true
		}
	}
	s := stringReader(a)
	return func(i int) (time.Time, bool) { return parseDateTime(s(i)) }
}

// appendTimes builds a DATE, DATETIME, TIME or VARCHAR result from per-row
// times; f reports ok=false for NULL rows. For VARCHAR, dateOnly(i) selects
// 'YYYY-MM-DD' over the DATETIME text.
func buildTimes(kc KernelContext, args []arrow.Array, to arrow.DataType, f func(i int) (time.Time, bool), dateOnly func(i int) bool) arrow.Array {
	n := kc.N
	switch to.ID() {
	case arrow.STRING:
		return rowWiseString(kc, args, func(i int) (string, bool) {
			t, ok := f(i)
			if !ok {
				return "", false
			}
			if dateOnly != nil && dateOnly(i) {
				return t.Format("2006-01-02"), true
			}
			return formatTimestamp(t.UnixMicro(), arrow.Microsecond), true
		})
	}
	validity := newBitmap(kc.Mem, n)
	vb := validity.Bytes()
	var buf = newFixedAny(kc, to, n)
	for i := 0; i < n; i++ {
		if !allValid(args, i) {
			continue
		}
		t, ok := f(i)
		if !ok {
			continue
		}
		bitutil.SetBit(vb, i)
		switch to.ID() {
		case arrow.DATE32:
			buf.d32[i] = arrow.Date32FromTime(t)
		case arrow.TIMESTAMP:
			buf.i64[i] = t.UnixMicro()
		case arrow.TIME64:
			h, m, s := t.Clock()
			buf.i64[i] = (int64(h)*3600+int64(m)*60+int64(s))*1e6 + int64(t.Nanosecond()/1000)
		}
	}
	return makeArray(to, n, validity, buf.buf)
}

type anyFixed struct {
	buf *memory.Buffer
	d32 []arrow.Date32
	i64 []int64
}

func newFixedAny(kc KernelContext, to arrow.DataType, n int) anyFixed {
	if to.ID() == arrow.DATE32 {
		b, v := newFixed[arrow.Date32](kc.Mem, n)
		clear(v)
		return anyFixed{buf: b, d32: v}
	}
	b, v := newFixed[int64](kc.Mem, n)
	clear(v)
	return anyFixed{buf: b, i64: v}
}

// temporalOrString resolves a date argument: DATE/DATETIME as is, strings
// (and numbers) parsed as DATETIME.
func temporalOrString(t arrow.DataType, allowTime bool) (arrow.DataType, error) {
	switch c := classOf(t); {
	case c == clsDate || c == clsTimestamp:
		return nil, nil
	case c == clsTime && allowTime:
		return nil, nil
	case c == clsString || c == clsBinary || c == clsNull:
		return TypeTimestamp, nil
	case isNumericClass(c):
		return TypeString, nil
	}
	return nil, fmt.Errorf("%s is not a date", TypeName(t))
}

// ---- week numbers (MySQL's calc_week) ----

const (
	weekMondayFirst  = 1
	weekYear         = 2
	weekFirstWeekday = 4
)

func weekMode(mode int64) int {
	f := int(mode & 7)
	if f&weekMondayFirst == 0 {
		f ^= weekFirstWeekday
	}
	return f
}

func daysInYear(y int) int {
	if (y%4 == 0 && y%100 != 0) || y%400 == 0 {
		return 366
	}
	return 365
}

// calcWeek is MySQL's calc_week: the week number of t and its year.
func calcWeek(t time.Time, behaviour int) (week, year int) {
	daynr := int(arrow.Date32FromTime(t))
	y := t.Year()
	firstDaynr := int(arrow.Date32FromTime(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)))
	mondayFirst := behaviour&weekMondayFirst != 0
	wy := behaviour&weekYear != 0
	firstWeekday := behaviour&weekFirstWeekday != 0
	wd := int(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Weekday()) // 0 = Sunday
	weekday := wd
	if mondayFirst {
		weekday = (wd + 6) % 7
	}
	year = y
	if t.Month() == 1 && t.Day() <= 7-weekday {
		if !wy && ((firstWeekday && weekday != 0) || (!firstWeekday && weekday >= 4)) {
			return 0, year
		}
		wy = true
		year--
		days := daysInYear(year)
		firstDaynr -= days
		weekday = (weekday + 53*7 - days) % 7
	}
	var days int
	if (firstWeekday && weekday != 0) || (!firstWeekday && weekday >= 4) {
		days = daynr - (firstDaynr + (7 - weekday))
	} else {
		days = daynr - (firstDaynr - weekday)
	}
	if wy && days >= 52*7 {
		weekday = (weekday + daysInYear(year)) % 7
		if (!firstWeekday && weekday < 4) || (firstWeekday && weekday == 0) {
			return 1, year + 1
		}
	}
	return days/7 + 1, year
}

// ---- DATE_FORMAT / STR_TO_DATE ----

var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

func ordinalSuffix(d int) string {
	if d%100 >= 11 && d%100 <= 13 {
		return "th"
	}
	switch d % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

// dateFormatWeekMode is the calcWeek mode of DATE_FORMAT's week
// specifier c: %U/%u weeks start on Sunday/Monday within the year, %V/%X
// and %v/%x are the same with weeks belonging to the year (MySQL's modes
// 0, 1, 2 and 3).
func dateFormatWeekMode(c byte) int {
	switch c {
	case 'U':
		return weekFirstWeekday
	case 'u':
		return weekMondayFirst
	case 'V', 'X':
		return weekYear | weekFirstWeekday
	default: // 'v', 'x'
		return weekYear | weekMondayFirst
	}
}

// dateFormat renders t with MySQL's DATE_FORMAT specifiers.
func dateFormat(t time.Time, f string) string {
	var sb strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			sb.WriteByte(c)
			continue
		}
		i++
		h, mi, s := t.Clock()
		h12 := h % 12
		if h12 == 0 {
			h12 = 12
		}
		switch f[i] {
		case 'a':
			sb.WriteString(dayNames[t.Weekday()][:3])
		case 'b':
			sb.WriteString(monthNames[t.Month()-1][:3])
		case 'c':
			sb.WriteString(strconv.Itoa(int(t.Month())))
		case 'D':
			sb.WriteString(strconv.Itoa(t.Day()) + ordinalSuffix(t.Day()))
		case 'd':
			fmt.Fprintf(&sb, "%02d", t.Day())
		case 'e':
			sb.WriteString(strconv.Itoa(t.Day()))
		case 'f':
			fmt.Fprintf(&sb, "%06d", t.Nanosecond()/1000)
		case 'H':
			fmt.Fprintf(&sb, "%02d", h)
		case 'h', 'I':
			fmt.Fprintf(&sb, "%02d", h12)
		case 'i':
			fmt.Fprintf(&sb, "%02d", mi)
		case 'j':
			fmt.Fprintf(&sb, "%03d", t.YearDay())
		case 'k':
			sb.WriteString(strconv.Itoa(h))
		case 'l':
			sb.WriteString(strconv.Itoa(h12))
		case 'M':
			sb.WriteString(monthNames[t.Month()-1])
		case 'm':
			fmt.Fprintf(&sb, "%02d", int(t.Month()))
		case 'p':
			if h < 12 {
				sb.WriteString("AM")
			} else {
				sb.WriteString("PM")
			}
		case 'r':
			ap := "AM"
			if h >= 12 {
				ap = "PM"
			}
			fmt.Fprintf(&sb, "%02d:%02d:%02d %s", h12, mi, s, ap)
		case 'S', 's':
			fmt.Fprintf(&sb, "%02d", s)
		case 'T':
			fmt.Fprintf(&sb, "%02d:%02d:%02d", h, mi, s)
		case 'U', 'u', 'V', 'v':
			w, _ := calcWeek(t, dateFormatWeekMode(f[i]))
			fmt.Fprintf(&sb, "%02d", w)
		case 'W':
			sb.WriteString(dayNames[t.Weekday()])
		case 'w':
			sb.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'X', 'x':
			_, y := calcWeek(t, dateFormatWeekMode(f[i]))
			fmt.Fprintf(&sb, "%04d", y)
		case 'Y':
			fmt.Fprintf(&sb, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&sb, "%02d", t.Year()%100)
		default: // %% and unknown specifiers print the character
			sb.WriteByte(f[i])
		}
	}
	return sb.String()
}

// strToDateKind reports what a STR_TO_DATE format produces: DATE, TIME
// or DATETIME (MySQL's rule: the parts the format names).
func strToDateKind(f string) arrow.DataType {
	hasDate, hasTime := false, false
	for i := 0; i+1 < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		switch f[i] {
		case 'a', 'b', 'c', 'D', 'd', 'e', 'j', 'M', 'm', 'U', 'u', 'V', 'v', 'W', 'w', 'X', 'x', 'Y', 'y':
			hasDate = true
		case 'f', 'H', 'h', 'I', 'i', 'k', 'l', 'p', 'r', 'S', 's', 'T':
			hasTime = true
		}
	}
	switch {
	case hasDate && !hasTime:
		return TypeDate
	case hasTime && !hasDate:
		return TypeTime
	}
	return TypeTimestamp
}

// strToDate parses s with a DATE_FORMAT-style format the way MySQL's
// extract_date_time does. ok=false (NULL) when the text does not match or
// the value is invalid.
//
//   - Spaces in s are skipped before every format character; spaces in
//     the format match nothing; other literal characters must match.
//   - Numbers take at most their field's digits (%Y 4, %j 3, %f 6, others
//     2) and need at least one; a %Y of one or two digits is a 2-digit
//     year (70-99 → 19YY, 00-69 → 20YY).
//   - %M %b %W %a match a case-insensitive unique prefix of the English
//     name ('SEPTEMB', 'Sund'); an ambiguous prefix ('Ju') fails.
//   - %p needs a 12-hour hour (%h %I %l) and AM or PM; %T and %r are
//     %H:%i:%s and %h:%i:%s %p; %# %. %@ skip digits, punctuation and
//     letters; %j, and a weekday with a week number (%U %u %V %v, the last
//     two with %X or %x), compute the date.
//   - When s ends first, the rest of the format is ignored; text left in s
//     is ignored (MySQL warns).
//   - The parts the format does not set are zero: a DATE or DATETIME
//     result with a zero month or day is NULL, as MySQL 8 returns with
//     its default NO_ZERO_IN_DATE mode ('9' with '%m' is NULL).
func strToDate(s, f string) (time.Time, bool) {
	var p strToDateParser
	p.s = s
	if !p.parse(f, false) {
		return time.Time{}, false
	}
	if p.usaTime {
		if p.h > 12 || p.h < 1 {
			return time.Time{}, false
		}
		p.h = p.h%12 + p.daypart
	}
	if p.yearday > 0 {
		t := time.Date(p.y, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, p.yearday-1)
		p.y, p.mo, p.d = t.Year(), int(t.Month()), t.Day()
	}
	if p.weekNumber >= 0 && p.weekday > 0 {
		// MySQL: %V/%v need %X/%x of the same kind; %U/%u take %Y.
		if (p.strictWeek && (p.strictYear < 0 || p.strictYearSunday != p.sundayFirst)) || (!p.strictWeek && p.strictYear >= 0) {
			return time.Time{}, false
		}
		year := p.y
		if p.strictWeek {
			year = p.strictYear
		}
		jan1 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		wd := int(jan1.Weekday()) // 0 = Sunday
		var days int
		if p.sundayFirst {
			days = (p.weekNumber-1)*7 + p.weekday%7
			if wd != 0 {
				days += 7 - wd
			}
		} else {
			wdMon := (wd + 6) % 7 // 0 = Monday
			days = (p.weekNumber-1)*7 + p.weekday - 1 - wdMon
			if wdMon > 3 {
				days += 7
			}
		}
		t := jan1.AddDate(0, 0, days)
		if t.Year() < 0 || t.Year() > 9999 {
			return time.Time{}, false
		}
		p.y, p.mo, p.d = t.Year(), int(t.Month()), t.Day()
	}
	if p.mo > 12 || p.d > 31 || p.h > 23 || p.mi > 59 || p.sec > 59 || p.y > 9999 {
		return time.Time{}, false
	}
	if strToDateKind(f).ID() == arrow.TIME64 {
		return time.Date(0, 1, 1, p.h, p.mi, p.sec, p.us*1000, time.UTC), true
	}
	if p.mo < 1 || p.d < 1 || p.d > daysIn(p.y, time.Month(p.mo)) {
		return time.Time{}, false
	}
	return time.Date(p.y, time.Month(p.mo), p.d, p.h, p.mi, p.sec, p.us*1000, time.UTC), true
}

// strToDateParser holds STR_TO_DATE's parse state (see strToDate).
type strToDateParser struct {
	s                            string
	j                            int
	y, mo, d, h, mi, sec, us     int
	daypart, weekday, yearday    int
	weekNumber, strictYear       int
	usaTime, sundayFirst         bool
	strictWeek, strictYearSunday bool
	init                         bool
}

// num reads 1..maxDigits digits (an optional sign first, as strtoll10).
func (p *strToDateParser) num(maxDigits int) (int, bool) {
	s, j := p.s, p.j
	end := min(len(s), j+maxDigits)
	neg := false
	if j < end && (s[j] == '-' || s[j] == '+') {
		neg = s[j] == '-'
		j++
	}
	start := j
	v := 0
	for j < end && s[j] >= '0' && s[j] <= '9' {
		v = v*10 + int(s[j]-'0')
		j++
	}
	if j == start {
		return 0, false
	}
	p.j = j
	if neg {
		v = -v
	}
	return v, true
}

// word matches a unique case-insensitive prefix of names (the letters at
// the cursor); it returns the 1-based index.
func (p *strToDateParser) word(names []string) (int, bool) {
	j := p.j
	for j < len(p.s) && (p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z') {
		j++
	}
	w := p.s[p.j:j]
	if w == "" {
		return 0, false
	}
	found := 0
	for k, n := range names {
		if len(w) <= len(n) && strings.EqualFold(n[:len(w)], w) {
			if len(w) == len(n) {
				found = k + 1
				break
			}
			if found != 0 {
				return 0, false // ambiguous prefix
			}
			found = k + 1
		}
	}
	if found == 0 {
		return 0, false
	}
	p.j = j
	return found, true
}

// parse consumes s along format f; sub is set for the %T and %r
// sub-formats, which stop where their text ends.
func (p *strToDateParser) parse(f string, sub bool) bool {
	if !p.init {
		p.init, p.weekNumber, p.strictYear = true, -1, -1
	}
	abbrev := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = n[:3]
		}
		return out
	}
	for i := 0; i < len(f) && p.j < len(p.s); i++ {
		for p.j < len(p.s) && isSpaceByte(p.s[p.j]) {
			p.j++
		}
		if p.j >= len(p.s) {
			break
		}
		if f[i] != '%' || i+1 == len(f) {
			if !isSpaceByte(f[i]) {
				if p.s[p.j] != f[i] {
					return false
				}
				p.j++
			}
			continue
		}
		i++
		var ok bool
		switch c := f[i]; c {
		case 'Y':
			start := p.j
			p.y, ok = p.num(4)
			if ok && p.j-start <= 2 {
				p.y = twoDigitYear(p.y)
			}
		case 'y':
			p.y, ok = p.num(2)
			p.y = twoDigitYear(p.y)
		case 'm', 'c':
			p.mo, ok = p.num(2)
		case 'M':
			p.mo, ok = p.word(monthNames)
		case 'b':
			p.mo, ok = p.word(abbrev(monthNames))
		case 'd', 'e':
			p.d, ok = p.num(2)
		case 'D':
			if p.d, ok = p.num(2); ok {
				p.j = min(len(p.s), p.j+2) // 'st', 'nd', 'th'
			}
		case 'h', 'I', 'l', 'k', 'H':
			p.usaTime = p.usaTime || c == 'h' || c == 'I' || c == 'l'
			p.h, ok = p.num(2)
		case 'i':
			p.mi, ok = p.num(2)
		case 's', 'S':
			p.sec, ok = p.num(2)
		case 'f':
			start := p.j
			if p.us, ok = p.num(6); ok {
				for k := p.j - start; k < 6; k++ {
					p.us *= 10
				}
			}
		case 'p':
			if len(p.s)-p.j < 2 || !p.usaTime {
				return false
			}
			switch {
			case strings.EqualFold(p.s[p.j:p.j+2], "PM"):
				p.daypart = 12
			case !strings.EqualFold(p.s[p.j:p.j+2], "AM"):
				return false
			}
			p.j += 2
			ok = true
		case 'W':
			p.weekday, ok = p.word(dayNamesMondayFirst())
		case 'a':
			p.weekday, ok = p.word(abbrev(dayNamesMondayFirst()))
		case 'w':
			if p.j < len(p.s) && p.s[p.j] >= '0' && p.s[p.j] <= '6' {
				p.weekday = int(p.s[p.j] - '0')
				if p.weekday == 0 {
					p.weekday = 7
				}
				p.j++
				ok = true
			}
		case 'j':
			p.yearday, ok = p.num(3)
		case 'U', 'u', 'V', 'v':
			p.sundayFirst = c == 'U' || c == 'V'
			p.strictWeek = c == 'V' || c == 'v'
			p.weekNumber, ok = p.num(2)
			ok = ok && p.weekNumber >= 0 && p.weekNumber <= 53 && !(p.strictWeek && p.weekNumber == 0)
		case 'X', 'x':
			p.strictYearSunday = c == 'X'
			p.strictYear, ok = p.num(4)
		case 'T':
			ok = p.parse("%H:%i:%s", true)
		case 'r':
			ok = p.parse("%h:%i:%s %p", true)
		case '#':
			for p.j < len(p.s) && p.s[p.j] >= '0' && p.s[p.j] <= '9' {
				p.j++
			}
			ok = true
		case '.':
			for p.j < len(p.s) && isDatePunct(p.s[p.j]) {
				p.j++
			}
			ok = true
		case '@':
			for p.j < len(p.s) && (p.s[p.j] >= 'a' && p.s[p.j] <= 'z' || p.s[p.j] >= 'A' && p.s[p.j] <= 'Z') {
				p.j++
			}
			ok = true
		case '%':
			ok = p.s[p.j] == '%'
			p.j++
		}
		if !ok {
			return false
		}
	}
	_ = sub
	return true
}

// dayNamesMondayFirst lists the day names Monday first, so a 1-based
// index is MySQL's weekday (7 = Sunday).
func dayNamesMondayFirst() []string {
	return []string{dayNames[1], dayNames[2], dayNames[3], dayNames[4], dayNames[5], dayNames[6], dayNames[0]}
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// ---- function table ----

func dateBuiltins() map[string]ScalarFunc {
	i64 := TypeInt64
	nowFn := func(to arrow.DataType, utc bool) ScalarFunc {
		return ScalarFunc{MinArgs: 0, MaxArgs: 1, Volatile: true, AcceptsConstants: true,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				return fixed(args, i64), to, nil
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				now := statementNow(kc.Ctx)
				if !utc {
					now = wallClock(now, sessionZone(kc.Ctx))
				}
				fsp := int64(0)
				if len(a) == 1 && validAt(a[0], 0) {
					fsp = int64Vals(a[0])(0)
				}
				if fsp < 0 || fsp > 6 {
					return nil, invalidf("too-big precision %d specified; maximum is 6", fsp)
				}
				now = now.Truncate(time.Duration(math.Pow10(int(9 - fsp))))
				kc.N = 1
				return buildTimes(kc, nil, to, func(int) (time.Time, bool) { return now, true }, nil), nil
			}}
	}
	dateAdd := func(sign int64) ScalarFunc {
		return ScalarFunc{MinArgs: 3, MaxArgs: 3,
			Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
				unit, err := unitArg(args[2])
				if err != nil {
					return nil, nil, err
				}
				if unit == "YEAR_MONTH" || len(intervalUnits[unit]) == 1 {
					// fine
				}
				valT := TypeString
				if c := classOf(args[1].Type()); isNumericClass(c) && len(intervalUnits[unit]) == 1 {
					valT = TypeFloat64
				}
				switch c := classOf(args[0].Type()); {
				case c == clsDate:
					if dateOnlyUnit(unit) {
						return []arrow.DataType{nil, valT, nil}, TypeDate, nil
					}
					return []arrow.DataType{TypeTimestamp, valT, nil}, TypeTimestamp, nil
				case c == clsTimestamp:
					return []arrow.DataType{nil, valT, nil}, args[0].Type(), nil
				case c == clsString || c == clsBinary || c == clsNull || isNumericClass(c):
					return []arrow.DataType{TypeString, valT, nil}, TypeString, nil
				}
				return nil, nil, fmt.Errorf("%s is not a date", TypeName(args[0].Type()))
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				unitS := stringReader(a[2])
				if a[2].Len() == 0 {
					return nullArray(kc.Mem, a[0].DataType(), kc.N), nil
				}
				unit := strings.ToUpper(unitS(0))
				get := timeReader(a[0])
				var ivAt func(i int) (interval, bool)
				if a[1].DataType().ID() == arrow.FLOAT64 {
					v := fixedVals[float64](a[1])
					ivAt = func(i int) (interval, bool) { return intervalFromNumber(v[i], unit) }
				} else {
					s := stringReader(a[1])
					ivAt = func(i int) (interval, bool) { return intervalFromString(s(i), unit) }
				}
				f := func(i int) (time.Time, bool) {
					t, ok := get(i)
					if !ok {
						return time.Time{}, false
					}
					iv, ok := ivAt(i)
					if !ok {
						return time.Time{}, false
					}
					return addInterval(t, iv, sign)
				}
				to := a[0].DataType()
				var dateOnly func(int) bool
				if to.ID() == arrow.STRING {
					s := stringReader(a[0])
					dateOnly = func(i int) bool {
						v := strings.TrimSpace(s(i))
						return dateOnlyUnit(unit) && !strings.ContainsAny(v, ": T") && len(v) <= 10
					}
				}
				if to.ID() == arrow.DATE32 {
					return buildTimes(kc, a[:2], TypeDate, f, nil), nil
				}
				return buildTimes(kc, a[:2], to, f, dateOnly), nil
			}}
	}
	// datePartFn builds an integer function of a date (strings parsed;
	// TIME accepted when allowTime).
	datePartFn := func(allowTime bool, f func(t time.Time) int64) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 1,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				t, err := temporalOrString(args[0], allowTime)
				if allowTime && (classOf(args[0]) == clsString || classOf(args[0]) == clsBinary) {
					t = nil // parsed below as TIME or DATETIME
				}
				if allowTime && isNumericClass(classOf(args[0])) {
					t = TypeTime // MySQL reads a number as hhmmss here: SECOND(230322) = 22
				}
				return []arrow.DataType{t}, i64, err
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				var get func(int) (time.Time, bool)
				if c := classOf(a[0].DataType()); c == clsString || c == clsBinary {
					s := stringReader(a[0])
					get = func(i int) (time.Time, bool) {
						if !allowTime {
							return parseDateTime(s(i))
						}
						// MySQL reads these as TIME first (str_to_time):
						// HOUR('230322') is 23; datetimes give their time.
						us, ok := parseTimeText(s(i))
						if !ok || us < 0 {
							return time.Time{}, false
						}
						return time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(us) * time.Microsecond), true
					}
				} else {
					get = timeReader(a[0])
				}
				return rowWiseInt64(kc, a, func(i int) (int64, bool) {
					t, ok := get(i)
					if !ok {
						return 0, false
					}
					return f(t), true
				}), nil
			}}
	}
	weekFn := func(week bool) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 2,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				t, err := temporalOrString(args[0], false)
				out := []arrow.DataType{t}
				if len(args) == 2 {
					out = append(out, i64)
				}
				return out, i64, err
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				get := timeReader(a[0])
				mode := func(int) int64 { return 0 }
				if len(a) == 2 {
					mode = int64Vals(a[1])
				}
				return rowWiseInt64(kc, a, func(i int) (int64, bool) {
					t, ok := get(i)
					if !ok {
						return 0, false
					}
					if week {
						w, _ := calcWeek(t, weekMode(mode(i)))
						return int64(w), true
					}
					w, y := calcWeek(t, weekMode(mode(i))|weekYear)
					return int64(y)*100 + int64(w), true
				}), nil
			}}
	}
	// dateToX maps a date argument to DATE/TIME/VARCHAR results.
	dateMap := func(to arrow.DataType, allowTime bool, f func(t time.Time) (time.Time, bool)) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 1,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				t, err := temporalOrString(args[0], allowTime)
				return []arrow.DataType{t}, to, err
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				get := timeReader(a[0])
				return buildTimes(kc, a, to, func(i int) (time.Time, bool) {
					t, ok := get(i)
					if !ok {
						return time.Time{}, false
					}
					return f(t)
				}, nil), nil
			}}
	}
	nameFn := func(f func(t time.Time) string) ScalarFunc {
		return ScalarFunc{MinArgs: 1, MaxArgs: 1,
			Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
				t, err := temporalOrString(args[0], false)
				return []arrow.DataType{t}, TypeString, err
			},
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				get := timeReader(a[0])
				return rowWiseString(kc, a, func(i int) (string, bool) {
					t, ok := get(i)
					if !ok {
						return "", false
					}
					return f(t), true
				}), nil
			}}
	}
	dateFormatFn := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			t, err := temporalOrString(args[0], true)
			return []arrow.DataType{t, TypeString}, TypeString, err
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			get, f := timeReader(a[0]), stringReader(a[1])
			return rowWiseString(kc, a, func(i int) (string, bool) {
				t, ok := get(i)
				if !ok {
					return "", false
				}
				return dateFormat(t, f(i)), true
			}), nil
		}}
	strToDateFn := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			res := TypeTimestamp
			if f, ok := constString(args[1]); ok {
				res = strToDateKind(f)
			}
			return []arrow.DataType{TypeString, TypeString}, res, nil
		}}

	// STR_TO_DATE's result type depends on the format; a non-constant format
	// yields DATETIME. The kernel reads the format of row 0 when broadcast.
	strToDateFn.Kernel = func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
		s, f := stringReader(a[0]), stringReader(a[1])
		to := kc.Result // from the constant format at bind time, else DATETIME
		return buildTimes(kc, a, to, func(i int) (time.Time, bool) {
			t, ok := strToDate(s(i), f(i))
			return t, ok && (to.ID() == arrow.TIME64 || t.Year() >= 1)
		}, nil), nil
	}
	datediff := ScalarFunc{MinArgs: 2, MaxArgs: 2, Resolve: resolveFixed(i64, TypeDate, TypeDate),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			l, r := fixedVals[arrow.Date32](a[0]), fixedVals[arrow.Date32](a[1])
			return rowWiseInt64(kc, a, func(i int) (int64, bool) { return int64(l[i]) - int64(r[i]), true }), nil
		}}
	tsdiff := ScalarFunc{MinArgs: 3, MaxArgs: 3,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			if _, err := unitArg(args[0]); err != nil {
				return nil, nil, err
			}
			return []arrow.DataType{nil, TypeTimestamp, TypeTimestamp}, i64, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			unit := strings.ToUpper(stringReader(a[0])(0))
			x, y := fixedVals[int64](a[1]), fixedVals[int64](a[2])
			return rowWiseInt64(kc, a[1:], func(i int) (int64, bool) {
				return timestampDiff(unit, x[i], y[i])
			}), nil
		}}
	extract := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			if _, err := unitArg(args[0]); err != nil {
				return nil, nil, err
			}
			t, err := temporalOrString(args[1].Type(), true)
			if u, _ := unitArg(args[0]); timeExtractUnit(u) {
				switch c := classOf(args[1].Type()); {
				case c == clsString || c == clsBinary:
					t = nil // read as TIME or DATETIME text below
				case isNumericClass(c):
					t = TypeTime // numbers are hhmmss here
				}
			}
			return []arrow.DataType{nil, t}, i64, err
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			unit := strings.ToUpper(stringReader(a[0])(0))
			if timeExtractUnit(unit) {
				if c := classOf(a[1].DataType()); c == clsString || c == clsBinary || c == clsTime {
					get := extractTimeReader(a[1])
					return rowWiseInt64(kc, a[1:], func(i int) (int64, bool) {
						p, ok := get(i)
						if !ok {
							return 0, false
						}
						return p.extract(unit), true
					}), nil
				}
			}
			get := timeReader(a[1])
			return rowWiseInt64(kc, a[1:], func(i int) (int64, bool) {
				t, ok := get(i)
				if !ok {
					return 0, false
				}
				return extractUnit(unit, t), true
			}), nil
		}}
	unixTS := ScalarFunc{MinArgs: 0, MaxArgs: 1, Volatile: true, AcceptsConstants: true,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			if len(args) == 0 {
				return nil, i64, nil
			}
			t, err := temporalOrString(args[0], false)
			return []arrow.DataType{t}, i64, err
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			if len(a) == 0 {
				b := array.NewInt64Builder(kc.Mem)
				defer b.Release()
				b.Append(statementNow(kc.Ctx).Unix())
				return b.NewArray(), nil
			}
			get := timeReader(a[0])
			kc.N = a[0].Len()
			// A TIMESTAMP with a zone is an instant; anything else is a
			// wall-clock reading in the session time zone.
			ts, zoned := a[0].DataType().(*arrow.TimestampType)
			zoned = zoned && ts.TimeZone != ""
			loc := sessionZone(kc.Ctx)
			return rowWiseInt64(kc, a, func(i int) (int64, bool) {
				t, ok := get(i)
				if !ok {
					return 0, false
				}
				if !zoned {
					t = fromWallClock(t, loc)
				}
				if s := t.Unix(); s >= 0 {
					return s, true
				}
				return 0, true
			}), nil
		}}
	fromUnix := ScalarFunc{MinArgs: 1, MaxArgs: 2,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			if len(args) == 2 {
				return []arrow.DataType{TypeFloat64, TypeString}, TypeString, nil
			}
			return []arrow.DataType{TypeFloat64}, TypeTimestamp, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			v := fixedVals[float64](a[0])
			loc := sessionZone(kc.Ctx)
			at := func(i int) (time.Time, bool) {
				if v[i] < 0 || v[i] > 32536771199 {
					return time.Time{}, false
				}
				return wallClock(time.UnixMicro(int64(math.Round(v[i]*1e6))), loc), true
			}
			if len(a) == 2 {
				f := stringReader(a[1])
				return rowWiseString(kc, a, func(i int) (string, bool) {
					t, ok := at(i)
					return dateFormat(t, f(i)), ok
				}), nil
			}
			return buildTimes(kc, a, TypeTimestamp, at, nil), nil
		}}
	timeFn := ScalarFunc{MinArgs: 1, MaxArgs: 1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			switch classOf(args[0]) {
			case clsTime, clsTimestamp, clsDate, clsString, clsBinary, clsNull:
				return []arrow.DataType{nil}, TypeTime, nil
			}
			return []arrow.DataType{TypeString}, TypeTime, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			if a[0].DataType().ID() == arrow.TIME64 {
				a[0].Retain()
				return a[0], nil
			}
			get := timeReader(a[0])
			if c := classOf(a[0].DataType()); c == clsString || c == clsBinary {
				s := stringReader(a[0])
				get = func(i int) (time.Time, bool) {
					if t, ok := parseDateTime(s(i)); ok {
						return t, true
					}
					us, ok := parseTimeOfDay(s(i))
					if !ok || us < 0 || us >= 86400e6 {
						return time.Time{}, false // TIME beyond a day: not representable here
					}
					return time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(us) * time.Microsecond), true
				}
			}
			return buildTimes(kc, a, TypeTime, get, nil), nil
		}}
	toDays := datePartFn(false, func(t time.Time) int64 { return int64(arrow.Date32FromTime(t)) + 719528 })
	fromDays := ScalarFunc{MinArgs: 1, MaxArgs: 1, Resolve: resolveFixed(TypeDate, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			v := int64Vals(a[0])
			return buildTimes(kc, a, TypeDate, func(i int) (time.Time, bool) {
				d := v(i) - 719528
				if v(i) < 366 || d > 2932896 {
					return time.Time{}, false
				}
				return arrow.Date32(d).ToTime(), true
			}, nil), nil
		}}
	makedate := ScalarFunc{MinArgs: 2, MaxArgs: 2, Resolve: resolveFixed(TypeDate, i64, i64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			y, d := int64Vals(a[0]), int64Vals(a[1])
			return buildTimes(kc, a, TypeDate, func(i int) (time.Time, bool) {
				yy := y(i)
				if yy >= 0 && yy < 70 {
					yy += 2000
				} else if yy >= 70 && yy < 100 {
					yy += 1900
				}
				if d(i) <= 0 || yy < 1 || yy > 9999 || d(i) > 3660000 {
					return time.Time{}, false
				}
				t := time.Date(int(yy), 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(d(i)-1))
				return t, t.Year() <= 9999
			}, nil), nil
		}}
	return map[string]ScalarFunc{
		"now": nowFn(TypeTimestamp, false), "current_timestamp": nowFn(TypeTimestamp, false), "localtime": nowFn(TypeTimestamp, false),
		"localtimestamp": nowFn(TypeTimestamp, false), "sysdate": nowFn(TypeTimestamp, false), "utc_timestamp": nowFn(TypeTimestamp, true),
		"curdate": nowFn(TypeDate, false), "current_date": nowFn(TypeDate, false), "utc_date": nowFn(TypeDate, true),
		"curtime": nowFn(TypeTime, false), "current_time": nowFn(TypeTime, false), "utc_time": nowFn(TypeTime, true),
		"date_add": dateAdd(1), "adddate": dateAdd(1), "date_sub": dateAdd(-1), "subdate": dateAdd(-1),
		"datediff": datediff, "timestampdiff": tsdiff, "extract": extract,
		"year":        datePartFn(false, func(t time.Time) int64 { return int64(t.Year()) }),
		"month":       datePartFn(false, func(t time.Time) int64 { return int64(t.Month()) }),
		"day":         datePartFn(false, func(t time.Time) int64 { return int64(t.Day()) }),
		"dayofmonth":  datePartFn(false, func(t time.Time) int64 { return int64(t.Day()) }),
		"dayofweek":   datePartFn(false, func(t time.Time) int64 { return int64(t.Weekday()) + 1 }),
		"weekday":     datePartFn(false, func(t time.Time) int64 { return int64(t.Weekday()+6) % 7 }),
		"dayofyear":   datePartFn(false, func(t time.Time) int64 { return int64(t.YearDay()) }),
		"quarter":     datePartFn(false, func(t time.Time) int64 { return int64(t.Month()+2) / 3 }),
		"hour":        timePart(datePartFn(true, func(t time.Time) int64 { return int64(t.Hour()) }), "HOUR"),
		"minute":      timePart(datePartFn(true, func(t time.Time) int64 { return int64(t.Minute()) }), "MINUTE"),
		"second":      timePart(datePartFn(true, func(t time.Time) int64 { return int64(t.Second()) }), "SECOND"),
		"microsecond": timePart(datePartFn(true, func(t time.Time) int64 { return int64(t.Nanosecond() / 1000) }), "MICROSECOND"),
		"week":        weekFn(true), "yearweek": weekFn(false),
		"weekofyear": datePartFn(false, func(t time.Time) int64 { w, _ := calcWeek(t, weekMode(3)); return int64(w) }),
		"last_day": dateMap(TypeDate, false, func(t time.Time) (time.Time, bool) {
			return time.Date(t.Year(), t.Month(), daysIn(t.Year(), t.Month()), 0, 0, 0, 0, time.UTC), true
		}),
		"dayname":     nameFn(func(t time.Time) string { return dayNames[t.Weekday()] }),
		"monthname":   nameFn(func(t time.Time) string { return monthNames[t.Month()-1] }),
		"date_format": dateFormatFn, "str_to_date": strToDateFn,
		"unix_timestamp": unixTS, "from_unixtime": fromUnix, "time": timeFn, "convert_tz": convertTZFn,
		"to_days": toDays, "from_days": fromDays, "makedate": makedate,
		"date": dateMap(TypeDate, false, func(t time.Time) (time.Time, bool) { return t, true }),
	}
}

// timestampDiff is TIMESTAMPDIFF(unit, a, b) over microsecond timestamps:
// b - a in whole units, truncated toward zero.
func timestampDiff(unit string, a, b int64) (int64, bool) {
	d := b - a
	switch unit {
	case "MICROSECOND":
		return d, true
	case "SECOND":
		return d / 1e6, true
	case "MINUTE":
		return d / 60e6, true
	case "HOUR":
		return d / 3600e6, true
	case "DAY":
		return d / 86400e6, true
	case "WEEK":
		return d / (7 * 86400e6), true
	case "MONTH", "QUARTER", "YEAR":
		ta, tb := time.UnixMicro(a).UTC(), time.UnixMicro(b).UTC()
		months := int64(tb.Year()-ta.Year())*12 + int64(tb.Month()-ta.Month())
		// The rest of the later date (day, time) must reach the earlier's.
		restA := int64(ta.Day())*86400e6 + int64(ta.Hour())*3600e6 + int64(ta.Minute())*60e6 + int64(ta.Second())*1e6 + int64(ta.Nanosecond()/1000)
		restB := int64(tb.Day())*86400e6 + int64(tb.Hour())*3600e6 + int64(tb.Minute())*60e6 + int64(tb.Second())*1e6 + int64(tb.Nanosecond()/1000)
		if months > 0 && restB < restA {
			months--
		} else if months < 0 && restB > restA {
			months++
		}
		switch unit {
		case "QUARTER":
			return months / 3, true
		case "YEAR":
			return months / 12, true
		}
		return months, true
	}
	return 0, false
}

// extractUnit is EXTRACT(unit FROM t).
func extractUnit(unit string, t time.Time) int64 {
	y, mo, d := int64(t.Year()), int64(t.Month()), int64(t.Day())
	h, mi, s := int64(t.Hour()), int64(t.Minute()), int64(t.Second())
	us := int64(t.Nanosecond() / 1000)
	switch unit {
	case "YEAR":
		return y
	case "QUARTER":
		return (mo + 2) / 3
	case "MONTH":
		return mo
	case "WEEK":
		w, _ := calcWeek(t, weekMode(0))
		return int64(w)
	case "DAY":
		return d
	case "HOUR":
		return h
	case "MINUTE":
		return mi
	case "SECOND":
		return s
	case "MICROSECOND":
		return us
	case "YEAR_MONTH":
		return y*100 + mo
	case "DAY_HOUR":
		return d*100 + h
	case "DAY_MINUTE":
		return (d*100+h)*100 + mi
	case "DAY_SECOND":
		return ((d*100+h)*100+mi)*100 + s
	case "DAY_MICROSECOND":
		return (((d*100+h)*100+mi)*100+s)*1e6 + us
	case "HOUR_MINUTE":
		return h*100 + mi
	case "HOUR_SECOND":
		return (h*100+mi)*100 + s
	case "HOUR_MICROSECOND":
		return ((h*100+mi)*100+s)*1e6 + us
	case "MINUTE_SECOND":
		return mi*100 + s
	case "MINUTE_MICROSECOND":
		return (mi*100+s)*1e6 + us
	case "SECOND_MICROSECOND":
		return s*1e6 + us
	}
	return 0
}

// maxIntervalMicros bounds the microseconds of an INTERVAL: more than any
// two DATETIMEs apart (about 12,700 years), so larger intervals are NULL
// (MySQL: "datetime field overflow") instead of overflowing int64.
const maxIntervalMicros = 4e17

// unitMicros and fieldMicros are the microseconds of one unit (simple
// units) or one field of a compound unit's text.
var (
	unitMicros  = map[string]float64{"MICROSECOND": 1, "SECOND": 1e6, "MINUTE": 60e6, "HOUR": 3600e6, "DAY": 86400e6, "WEEK": 7 * 86400e6}
	fieldMicros = map[byte]float64{'D': 86400e6, 'h': 3600e6, 'm': 60e6, 's': 1e6}
)

// timeExtractUnit reports whether EXTRACT(unit FROM x) reads x as a TIME
// (MySQL's get_time): every unit below a day, and DAY_HOUR...
// DAY_MICROSECOND; YEAR, QUARTER, MONTH, WEEK, DAY and YEAR_MONTH read a
// date.
func timeExtractUnit(u string) bool {
	switch u {
	case "YEAR", "YEAR_MONTH", "QUARTER", "MONTH", "WEEK", "DAY":
		return false
	}
	return true
}

// timeParts is a TIME split as MySQL's MYSQL_TIME holds it for EXTRACT:
// days only from a datetime's day or a 'D hh:mm:ss' text, hours beyond 24
// otherwise.
type timeParts struct {
	neg                 bool
	day, h, mi, sec, us int64
}

func (p timeParts) extract(unit string) int64 {
	var v int64
	switch unit {
	case "HOUR":
		v = p.h
	case "MINUTE":
		v = p.mi
	case "SECOND":
		v = p.sec
	case "MICROSECOND":
		v = p.us
	case "DAY_HOUR":
		v = p.day*100 + p.h
	case "DAY_MINUTE":
		v = (p.day*100+p.h)*100 + p.mi
	case "DAY_SECOND":
		v = ((p.day*100+p.h)*100+p.mi)*100 + p.sec
	case "DAY_MICROSECOND":
		v = (((p.day*100+p.h)*100+p.mi)*100+p.sec)*1e6 + p.us
	case "HOUR_MINUTE":
		v = p.h*100 + p.mi
	case "HOUR_SECOND":
		v = (p.h*100+p.mi)*100 + p.sec
	case "HOUR_MICROSECOND":
		v = ((p.h*100+p.mi)*100+p.sec)*1e6 + p.us
	case "MINUTE_SECOND":
		v = p.mi*100 + p.sec
	case "MINUTE_MICROSECOND":
		v = (p.mi*100+p.sec)*1e6 + p.us
	case "SECOND_MICROSECOND":
		v = p.sec*1e6 + p.us
	}
	if p.neg {
		v = -v
	}
	return v
}

// extractTimeReader reads TIME values or text as timeParts: datetime text
// gives its day and clock, TIME text its 'D ' day prefix and clock.
func extractTimeReader(a arrow.Array) func(i int) (timeParts, bool) {
	split := func(us int64, day int64) timeParts {
		p := timeParts{neg: us < 0, day: day}
		if us < 0 {
			us = -us
		}
		p.h, p.mi, p.sec, p.us = us/3600e6, us/60e6%60, us/1e6%60, us%1e6
		return p
	}
	if a.DataType().ID() == arrow.TIME64 {
		us := timeMicros(a)
		return func(i int) (timeParts, bool) { return split(us(i), 0), true }
	}
	s := stringReader(a)
	return func(i int) (timeParts, bool) {
		txt := strings.TrimSpace(s(i))
		if strings.Contains(txt, "-") && !strings.HasPrefix(txt, "-") || len(txt) >= 8 && !strings.Contains(txt, ":") {
			if t, ok := parseDateTime(txt); ok {
				return timeParts{day: int64(t.Day()), h: int64(t.Hour()), mi: int64(t.Minute()), sec: int64(t.Second()), us: int64(t.Nanosecond() / 1000)}, true
			}
		}
		body := strings.TrimSpace(strings.TrimPrefix(txt, "-"))
		if d, rest, ok := strings.Cut(body, " "); ok && strings.Contains(rest, ":") {
			days, err := strconv.ParseInt(d, 10, 64)
			us, ok := parseTimeValue(rest)
			if err != nil || !ok || days < 0 {
				return timeParts{}, false
			}
			p := split(us, days)
			p.neg = strings.HasPrefix(txt, "-")
			return p, true
		}
		us, ok := parseTimeValue(txt)
		if !ok {
			return timeParts{}, false
		}
		return split(us, 0), true
	}
}

// timePart makes HOUR/MINUTE/SECOND/MICROSECOND read TIME values and text
// as MySQL's get_time does (timeParts): HOUR('25:00:00') and HOUR(TIME
// '838:00:00') are 25 and 838, not hours of a wrapped day; DATE and
// DATETIME arguments keep fn's kernel.
func timePart(fn ScalarFunc, unit string) ScalarFunc {
	kernel := fn.Kernel
	fn.Kernel = func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
		if c := classOf(a[0].DataType()); c != clsString && c != clsBinary && c != clsTime {
			return kernel(kc, a)
		}
		get := extractTimeReader(a[0])
		return rowWiseInt64(kc, a, func(i int) (int64, bool) {
			p, ok := get(i)
			if !ok {
				return 0, false
			}
			p.neg = false // HOUR(TIME '-01:00:00') is 1
			return p.extract(unit), true
		}), nil
	}
	return fn
}
