package expr

import (
	"testing"
	"time"
)

func TestParseDateTimeMySQLForms(t *testing.T) {
	ok := map[string]string{
		"2001-1-1":                   "2001-01-01 00:00:00.000000",
		" 2001/02/03 ":               "2001-02-03 00:00:00.000000",
		"99-12-31":                   "1999-12-31 00:00:00.000000",
		"69-01-01":                   "2069-01-01 00:00:00.000000",
		"2011-04-05 8:46:06.23434":   "2011-04-05 08:46:06.234340",
		"2012^12^31 11+30+45":        "2012-12-31 11:30:45.000000",
		"2001-02-03T10:11:12":        "2001-02-03 10:11:12.000000",
		"2001-02-03  10:11":          "2001-02-03 10:11:00.000000",
		"20010203101112":             "2001-02-03 10:11:12.000000",
		"010203101112":               "2001-02-03 10:11:12.000000",
		"20010203":                   "2001-02-03 00:00:00.000000",
		"990101":                     "1999-01-01 00:00:00.000000",
		"20010203101112.1234567":     "2001-02-03 10:11:12.123456",
		"2001-01-01 10:00:00.5 junk": "2001-01-01 10:00:00.500000",
	}
	for in, want := range ok {
		got, good := parseDateTime(in)
		if !good || got.Format("2006-01-02 15:04:05.000000") != want {
			t.Errorf("parseDateTime(%q) = %v, %v; want %s", in, got, good, want)
		}
	}
	for _, in := range []string{"", "0", "2001-13-01", "2001-02-30", "0000-00-00", "2001-01", "10:05:03", "2001-01-01 24:00:00", "12345", "abc"} {
		if got, good := parseDateTime(in); good {
			t.Errorf("parseDateTime(%q) = %v, want no value", in, got)
		}
	}
}

func TestNumberToDateTime(t *testing.T) {
	cases := []struct {
		p    numParts
		want string // "" = no value
	}{
		{numParts{whole: 20010203101112, ok: true}, "2001-02-03 10:11:12.000000"},
		{numParts{whole: 20010203101112, us: 500000, ok: true}, "2001-02-03 10:11:12.500000"},
		{numParts{whole: 110203101112, ok: true}, "2011-02-03 10:11:12.000000"},
		{numParts{whole: 990101, ok: true}, "1999-01-01 00:00:00.000000"},
		{numParts{whole: 20010203, ok: true}, "2001-02-03 00:00:00.000000"},
		{numParts{whole: 0, ok: true}, ""},
		{numParts{whole: 100, ok: true}, ""},
		{numParts{whole: 1, neg: true, ok: true}, ""},
		{numParts{whole: 20011303, ok: true}, ""},
		{numParts{whole: 120010203101112, ok: true}, ""},
	}
	for _, c := range cases {
		got, ok := numberToDateTime(c.p)
		s := ""
		if ok {
			s = got.Format("2006-01-02 15:04:05.000000")
		}
		if s != c.want {
			t.Errorf("numberToDateTime(%+v) = %q, want %q", c.p, s, c.want)
		}
	}
	if us, ok := numberToTime(numParts{whole: 101112, us: 5, ok: true}); !ok || us != (10*3600+11*60+12)*1e6+5 {
		t.Errorf("numberToTime(101112) = %d, %v", us, ok)
	}
	if us, ok := numberToTime(numParts{whole: 11, neg: true, ok: true}); !ok || us != -11e6 {
		t.Errorf("numberToTime(-11) = %d, %v", us, ok)
	}
	if _, ok := numberToTime(numParts{whole: 160, ok: true}); ok {
		t.Error("numberToTime(160): 60 seconds accepted")
	}
	if us, ok := parseTimeText("2011-02-03 10:11:12.5"); !ok || time.Duration(us)*time.Microsecond != 10*time.Hour+11*time.Minute+12500*time.Millisecond {
		t.Errorf("parseTimeText(datetime) = %d, %v", us, ok)
	}
}

func TestStrToInt64Bits(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		over bool
	}{
		{"12abc", 12, false}, {" -10a", -10, false}, {"1e3", 1, false}, {"1.9", 1, false}, {"abc", 0, false},
		{"+7", 7, false}, {"18446744073709551615", -1, false}, {"18446744073709551616", -1, true},
		{"9223372036854775809", -9223372036854775807, false}, {"-9223372036854775808", -9223372036854775808, false},
		{"-99999999999999999999", -9223372036854775808, true},
	}
	for _, c := range cases {
		b, over := strToInt64Bits(c.in)
		if int64(b) != c.want || over != c.over {
			t.Errorf("strToInt64Bits(%q) = %d, %v; want %d, %v", c.in, int64(b), over, c.want, c.over)
		}
	}
	if _, ok := parseIntPrefix("9223372036854775808"); ok {
		t.Error("parseIntPrefix(2^63) fits BIGINT")
	}
	if v, ok := parseIntPrefix("-9223372036854775808"); !ok || v != -9223372036854775808 {
		t.Errorf("parseIntPrefix(-2^63) = %d, %v", v, ok)
	}
}
