package expr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone names must resolve without the host's zoneinfo

	"github.com/apache/arrow-go/v18/arrow"
)

// utcOffset matches MySQL's offset spelling of a time zone: +HH:MM / -HH:MM.
var utcOffset = regexp.MustCompile(`^([+-])(\d{1,2}):?(\d{2})$`)

// ParseTimeZone reads a MySQL time zone value (an IANA name such as
// Europe/Paris, UTC/GMT/Z, or an offset such as +02:00) and returns its
// location and normalized spelling ("UTC", "+02:00", or the name). Offsets
// range from -14:00 to +14:00. "SYSTEM" and "local" are refused: a server's
// host zone must not change query results.
func ParseTimeZone(text string) (*time.Location, string, error) {
	t := strings.TrimSpace(text)
	if strings.EqualFold(t, "utc") || t == "Z" || strings.EqualFold(t, "gmt") {
		return time.UTC, "UTC", nil
	}
	if m := utcOffset.FindStringSubmatch(t); m != nil {
		h, _ := strconv.Atoi(m[2])
		mins, _ := strconv.Atoi(m[3])
		if h > 14 || mins > 59 || h == 14 && mins > 0 {
			return nil, "", fmt.Errorf("offset %q is out of range (-14:00 to +14:00)", text)
		}
		name := fmt.Sprintf("%s%02d:%02d", m[1], h, mins)
		secs := h*3600 + mins*60
		if m[1] == "-" {
			secs = -secs
		}
		return time.FixedZone(name, secs), name, nil
	}
	if t == "" || strings.EqualFold(t, "local") || strings.EqualFold(t, "system") {
		return nil, "", fmt.Errorf("time zone %q: use an IANA name (Europe/Paris), UTC or an offset (+02:00)", text)
	}
	loc, err := time.LoadLocation(t)
	if err != nil {
		return nil, "", fmt.Errorf("unknown time zone %q; use an IANA name (Europe/Paris), UTC or an offset (+02:00)", text)
	}
	return loc, t, nil
}

// convertTZFn is CONVERT_TZ(dt, from_tz, to_tz): the wall-clock value dt
// read in from_tz, shown in to_tz. As in MySQL, an unknown zone or an
// invalid dt gives NULL. Zones are parsed once per distinct spelling.
var convertTZFn = ScalarFunc{MinArgs: 3, MaxArgs: 3,
	Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
		t, err := temporalOrString(args[0], false)
		return []arrow.DataType{t, TypeString, TypeString}, TypeTimestamp, err
	},
	Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
		get, from, to := timeReader(a[0]), stringReader(a[1]), stringReader(a[2])
		zones := map[string]*time.Location{}
		zone := func(s string) *time.Location {
			loc, seen := zones[s]
			if !seen {
				loc, _, _ = ParseTimeZone(s) // nil (→ NULL) when unknown
				zones[s] = loc
			}
			return loc
		}
		return buildTimes(kc, a, TypeTimestamp, func(i int) (time.Time, bool) {
			t, ok := get(i)
			fl, tl := zone(from(i)), zone(to(i))
			if !ok || fl == nil || tl == nil {
				return time.Time{}, false
			}
			return wallClock(fromWallClock(t, fl), tl), true
		}, nil), nil
	},
}
