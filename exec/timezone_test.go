package exec_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
)

// queryInZone runs sql with the session option time_zone set to zone.
func queryInZone(t *testing.T, f *fixture, zone, sql string) []string {
	t.Helper()
	return queryWith(t, f, "time_zone", zone, sql)
}

// queryWith runs sql with one session option set.
func queryWith(t *testing.T, f *fixture, option, value, sql string) []string {
	t.Helper()
	o := opts
	o.Values = map[string]string{option: value}
	ctx := context.Background()
	st, err := f.eng.Prepare(ctx, o, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	rr, err := st.Execute(ctx, f.mem, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rr.Release()
	rows, err := render(rr)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

// The session time zone changes what NOW(), CURDATE(), FROM_UNIXTIME and
// UNIX_TIMESTAMP(datetime) mean, as in MySQL; UTC_* functions and
// UNIX_TIMESTAMP() do not move.
func TestSessionTimeZone(t *testing.T) {
	f := newFixture(t, exec.Config{})
	cases := []struct{ zone, sql, want string }{
		{"+02:00", "SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())", "120"},
		{"-05:30", "SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())", "-330"},
		{"UTC", "SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())", "0"},
		{"+02:00", "SELECT UNIX_TIMESTAMP() - UNIX_TIMESTAMP(NOW())", "0"},
		// UTC_TIMESTAMP() is a zone-less DATETIME, read in the session zone.
		{"+02:00", "SELECT UNIX_TIMESTAMP() - UNIX_TIMESTAMP(UTC_TIMESTAMP())", "7200"},
		{"+02:00", "SELECT DATE_FORMAT(FROM_UNIXTIME(0), '%Y-%m-%d %H:%i:%s')", "1970-01-01 02:00:00"},
		{"Asia/Tokyo", "SELECT DATE_FORMAT(FROM_UNIXTIME(86400), '%Y-%m-%d %H:%i:%s')", "1970-01-02 09:00:00"},
		{"+02:00", "SELECT UNIX_TIMESTAMP('1970-01-01 03:00:00')", "3600"},
		{"UTC", "SELECT UNIX_TIMESTAMP('1970-01-01 03:00:00')", "10800"},
		// Summer time: Paris is UTC+2 in July, UTC+1 in January.
		{"Europe/Paris", "SELECT UNIX_TIMESTAMP('2024-07-01 02:00:00'), UNIX_TIMESTAMP('2024-01-01 01:00:00')", "1719792000|1704067200"},
		{"UTC", "SELECT DATE_FORMAT(CONVERT_TZ('2024-07-01 12:00:00', '+00:00', 'Europe/Paris'), '%Y-%m-%d %H:%i:%s')", "2024-07-01 14:00:00"},
		{"UTC", "SELECT DATE_FORMAT(CONVERT_TZ('2024-01-01 00:30:00', 'Europe/Paris', '-05:00'), '%Y-%m-%d %H:%i:%s')", "2023-12-31 18:30:00"},
		{"UTC", "SELECT COALESCE(CONVERT_TZ('2024-01-01 00:00:00', 'Mars/Olympus', 'UTC'), 'none'), COALESCE(CONVERT_TZ(NULL, 'UTC', 'UTC'), 'none')", "none|none"},
	}
	for _, c := range cases {
		got := queryInZone(t, f, c.zone, c.sql)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("time_zone=%s %s = %v, want %s", c.zone, c.sql, got, c.want)
		}
	}
}

func TestBadTimeZoneIsInvalid(t *testing.T) {
	f := newFixture(t, exec.Config{})
	o := opts
	o.Values = map[string]string{"time_zone": "Mars/Olympus"}
	_, err := f.eng.Prepare(context.Background(), o, "SELECT NOW()")
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "time_zone") {
		t.Fatalf("err = %v, want ErrInvalid naming time_zone", err)
	}
}
