package expr

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// analystRegistry is the default registry plus the analyst functions
// (independent of how func_util.go lists them).
func analystRegistry(t *testing.T) *Registry {
	t.Helper()
	reg := DefaultFunctions()
	for name, f := range analystBuiltins() {
		if err := reg.RegisterFunc(name, f); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

type analystCase struct {
	fn       string
	args     []*Literal
	want     string
	nullWant string // rows whose first argument is NULL ("" = NULL)
	consts   []int  // argument indexes passed as constants (keywords)
}

// runAnalystCases evaluates each case over columns at every batch size,
// the first argument NULL on every fourth row.
func runAnalystCases(t *testing.T, cases []analystCase) {
	t.Helper()
	reg := analystRegistry(t)
	for _, c := range cases {
		for _, n := range batchSizes {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			fields := make([]arrow.Field, len(c.args))
			cols := make([]arrow.Array, len(c.args))
			args := make([]Expr, len(c.args))
			for k, l := range c.args {
				fields[k] = arrow.Field{Name: string(rune('a' + k)), Type: l.DataType, Nullable: true}
				cols[k] = litColumn(t, mem, l, n, k == 0)
				args[k] = &Column{Index: k, Name: fields[k].Name, DataType: l.DataType}
				for _, ci := range c.consts {
					if ci == k {
						args[k] = l
					}
				}
			}
			batch := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
			for _, a := range cols {
				a.Release()
			}
			e, err := NewCallIn(reg, c.fn, args)
			if err != nil {
				t.Fatalf("%s: %v", c.fn, err)
			}
			out, err := Eval(context.Background(), e, batch, mem)
			if err != nil {
				t.Fatalf("n=%d %s: %v", n, e, err)
			}
			if !arrow.TypeEqual(out.DataType(), e.Type()) {
				t.Errorf("%s: result type %s, declared %s", e, out.DataType(), e.Type())
			}
			got := render(out)
			for i := 0; i < n; i++ {
				want := c.want
				if i%4 == 3 && !isConst(c.consts, 0) {
					want = c.nullWant
					if want == "" {
						want = "NULL"
					}
				}
				if got[i] != want {
					t.Errorf("n=%d %s row %d = %s, want %s", n, e, i, got[i], want)
					break
				}
			}
			out.Release()
			batch.Release()
			mem.AssertSize(t, 0)
		}
	}
}

func isConst(cs []int, k int) bool {
	for _, c := range cs {
		if c == k {
			return true
		}
	}
	return false
}

func bin(s string) *Literal { return &Literal{DataType: TypeBinary, Value: []byte(s)} }
func tm(s string) *Literal {
	us, ok := parseTimeValue(s)
	if !ok {
		panic(s)
	}
	return &Literal{DataType: TypeTime, Value: arrow.Time64(us)}
}

func TestCryptoAndStringMore(t *testing.T) {
	i := func(v int64) *Literal { return NewLiteral(v) }
	runAnalystCases(t, []analystCase{
		{fn: "md5", args: []*Literal{str("testing")}, want: "'ae2b1fca515949e5d54fb22b8ed95575'"},
		{fn: "sha1", args: []*Literal{str("abc")}, want: "'a9993e364706816aba3e25717850c26c9cd0d89d'"},
		{fn: "sha", args: []*Literal{bin("abc")}, want: "'a9993e364706816aba3e25717850c26c9cd0d89d'"},
		{fn: "sha2", args: []*Literal{str("abc"), i(256)}, want: "'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'"},
		{fn: "sha2", args: []*Literal{str("abc"), i(224)}, want: "'23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7'"},
		{fn: "sha2", args: []*Literal{str("abc"), i(100)}, want: "NULL"},
		{fn: "to_base64", args: []*Literal{str("abc")}, want: "'YWJj'"},
		{fn: "to_base64", args: []*Literal{str(strings.Repeat("a", 60))}, want: "'" + strings.Repeat("YWFh", 19) + "\nYWFh'"},
		{fn: "from_base64", args: []*Literal{str("YWJj")}, want: "X'616263'"},
		{fn: "from_base64", args: []*Literal{str("YW Jj\n")}, want: "X'616263'"},
		{fn: "from_base64", args: []*Literal{str("YWI")}, want: "X'6162'"},
		{fn: "from_base64", args: []*Literal{str("!!")}, want: "NULL"},
		{fn: "conv", args: []*Literal{str("a"), i(16), i(2)}, want: "'1010'"},
		{fn: "conv", args: []*Literal{str("6E"), i(18), i(8)}, want: "'172'"},
		{fn: "conv", args: []*Literal{str("-17"), i(10), i(-18)}, want: "'-H'"},
		{fn: "conv", args: []*Literal{i(-1), i(10), i(16)}, want: "'FFFFFFFFFFFFFFFF'"},
		{fn: "conv", args: []*Literal{str("zz"), i(37), i(10)}, want: "NULL"},
		{fn: "conv", args: []*Literal{str("12abc"), i(10), i(10)}, want: "'12'"},
		{fn: "bin", args: []*Literal{i(12)}, want: "'1100'"},
		{fn: "bin", args: []*Literal{i(-1)}, want: "'" + strings.Repeat("1", 64) + "'"},
		{fn: "oct", args: []*Literal{i(12)}, want: "'14'"},
		{fn: "find_in_set", args: []*Literal{str("B"), str("a,b,c,d")}, want: "2"},
		{fn: "find_in_set", args: []*Literal{str("x"), str("a,b")}, want: "0"},
		{fn: "find_in_set", args: []*Literal{str("a,b"), str("a,b")}, want: "0"},
		{fn: "find_in_set", args: []*Literal{str(""), str("a,,b")}, want: "2"},
		{fn: "make_set", args: []*Literal{i(5), str("a"), str("b"), str("c")}, want: "'a,c'"},
		{fn: "make_set", args: []*Literal{i(3), str("hello"), Null(TypeString), str("world")}, want: "'hello'"},
		{fn: "export_set", args: []*Literal{i(5), str("Y"), str("N"), str(","), i(4)}, want: "'Y,N,Y,N'"},
		{fn: "export_set", args: []*Literal{i(6), str("1"), str("0"), str(""), i(10)}, want: "'0110000000'"},
		{fn: "soundex", args: []*Literal{str("Hello")}, want: "'H400'"},
		{fn: "soundex", args: []*Literal{str("Quadratically")}, want: "'Q36324'"},
		{fn: "soundex", args: []*Literal{str("Robert")}, want: "'R163'"},
		{fn: "soundex", args: []*Literal{str("")}, want: "''"},
		{fn: "bit_count", args: []*Literal{i(29)}, want: "4"},
		{fn: "bit_count", args: []*Literal{i(-1)}, want: "64"},
		{fn: "inet_aton", args: []*Literal{str("10.0.5.9")}, want: "167773449"},
		{fn: "inet_aton", args: []*Literal{str("127.1")}, want: "2130706433"},
		{fn: "inet_aton", args: []*Literal{str("1.2.3.")}, want: "NULL"},
		{fn: "inet_aton", args: []*Literal{str("256.1.1.1")}, want: "NULL"},
		{fn: "inet_ntoa", args: []*Literal{i(167773449)}, want: "'10.0.5.9'"},
		{fn: "inet_ntoa", args: []*Literal{i(-1)}, want: "NULL"},
		{fn: "char_func", args: []*Literal{i(77), i(121), i(83), i(81), i(76), Null(TypeString)}, want: "X'4D7953514C'", nullWant: "X'7953514C'", consts: []int{5}},
		{fn: "char_func", args: []*Literal{i(1), i(256), str("utf8mb4")}, want: "'\x01\x01\x00'", nullWant: "'\x01\x00'", consts: []int{2}},
		{fn: "char_func", args: []*Literal{i(255), str("utf8mb4")}, want: "NULL", nullWant: "''", consts: []int{1}},
	})
}

func TestRegexpFunctions(t *testing.T) {
	i := func(v int64) *Literal { return NewLiteral(v) }
	runAnalystCases(t, []analystCase{
		{fn: "regexp_like", args: []*Literal{str("Michael!"), str(".*")}, want: "TRUE"},
		{fn: "regexp_like", args: []*Literal{str("CamelCase"), str("CAMELCASE")}, want: "TRUE"},
		{fn: "regexp_like", args: []*Literal{str("CamelCase"), str("CAMELCASE"), str("c")}, want: "FALSE"},
		{fn: "regexp_like", args: []*Literal{bin("abc"), bin("ABC")}, want: "FALSE"},
		{fn: "regexp_like", args: []*Literal{str("abc"), bin("ABC")}, want: "FALSE"},
		{fn: "regexp_like", args: []*Literal{str("abc"), bin("ABC"), str("i")}, want: "TRUE"},
		{fn: "regexp_like", args: []*Literal{str("abc"), str("ABC"), str("ci")}, want: "TRUE"},
		{fn: "regexp_like", args: []*Literal{str("a\nb"), str("^b$")}, want: "FALSE"},
		{fn: "regexp_like", args: []*Literal{str("a\nb"), str("^b$"), str("m")}, want: "TRUE"},
		{fn: "regexp_like", args: []*Literal{str("a\nb"), str("a.b")}, want: "FALSE"},
		{fn: "regexp_like", args: []*Literal{str("a\nb"), str("a.b"), str("n")}, want: "TRUE"},
		{fn: "regexp_instr", args: []*Literal{str("dog cat dog"), str("dog")}, want: "1"},
		{fn: "regexp_instr", args: []*Literal{str("dog cat dog"), str("dog"), i(2)}, want: "9"},
		{fn: "regexp_instr", args: []*Literal{str("aa aaa aaaa"), str("a{2}"), i(1), i(2)}, want: "4"},
		{fn: "regexp_instr", args: []*Literal{str("aa aaa aaaa"), str("a{4}"), i(1), i(1), i(1)}, want: "12"},
		{fn: "regexp_instr", args: []*Literal{str("héllo wörld"), str("w")}, want: "7"},
		{fn: "regexp_instr", args: []*Literal{str("abc"), str("x")}, want: "0"},
		{fn: "regexp_substr", args: []*Literal{str("abc def ghi"), str("[a-z]+"), i(1), i(3)}, want: "'ghi'"},
		{fn: "regexp_substr", args: []*Literal{str("abc def ghi"), str("[a-z]+"), i(1), i(4)}, want: "NULL"},
		{fn: "regexp_substr", args: []*Literal{str("abc def"), str("d.")}, want: "'de'"},
		{fn: "regexp_replace", args: []*Literal{str("a b c"), str("b"), str("X")}, want: "'a X c'"},
		{fn: "regexp_replace", args: []*Literal{str("abc def ghi"), str("[a-z]+"), str("X"), i(1), i(3)}, want: "'abc def X'"},
		{fn: "regexp_replace", args: []*Literal{str("abc def ghi"), str("[a-z]+"), str("X"), i(5)}, want: "'abc X X'"},
		{fn: "regexp_replace", args: []*Literal{str("John Smith"), str("(\\w+) (\\w+)"), str("$2, $1")}, want: "'Smith, John'"},
		{fn: "regexp_replace", args: []*Literal{str("price 5"), str("[0-9]"), str("\\$$0")}, want: "'price $5'"},
		{fn: "regexp_replace", args: []*Literal{str("Aba"), str("a"), str("-"), i(1), i(0), str("c")}, want: "'Ab-'"},
		{fn: "regexp_replace", args: []*Literal{str("Aba"), str("a"), str("-")}, want: "'-b-'"},
	})
}

func TestRegexpErrors(t *testing.T) {
	reg := analystRegistry(t)
	i := func(v int64) *Literal { return NewLiteral(v) }
	cases := []struct {
		fn   string
		args []Expr
		msg  string
	}{
		{"regexp_like", []Expr{str("a"), str("(a")}, "invalid regular expression '(a'"},
		{"regexp_like", []Expr{str("a"), str("(a)\\1")}, "invalid regular expression"},
		{"regexp_like", []Expr{str("a"), str("")}, "pattern is empty"},
		{"regexp_like", []Expr{str("a"), str("a"), str("x")}, "match_type"},
		{"regexp_instr", []Expr{str("abc"), str("b"), i(5)}, "index out of bounds"},
		{"regexp_instr", []Expr{str("abc"), str("b"), i(0)}, "index out of bounds"},
		{"regexp_instr", []Expr{str("abc"), str("b"), i(1), i(1), i(2)}, "return_option"},
		{"regexp_replace", []Expr{str("abc"), str("b"), str("$9")}, "group 9"},
		{"regexp_replace", []Expr{str("abc"), str("b"), str("$x")}, "group number"},
		{"regexp_replace", []Expr{str("abc"), str("b"), str("${-1}")}, "group -1"},
	}
	for _, c := range cases {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		e, err := NewCallIn(reg, c.fn, c.args)
		if err != nil {
			t.Fatal(err)
		}
		batch := testBatch(mem, 3)
		out, err := Eval(context.Background(), e, batch, mem)
		if err == nil {
			out.Release()
			t.Errorf("%s: no error", e)
		} else if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want InvalidArgument containing %q", e, err, c.msg)
		}
		batch.Release()
		mem.AssertSize(t, 0)
	}
	// regexp_instr at pos CHAR_LENGTH+1 is allowed.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e := ok(NewCallIn(reg, "regexp_instr", []Expr{str("abc"), str("b"), i(4)}))
	batch := testBatch(mem, 2)
	defer batch.Release()
	out, err := Eval(context.Background(), e, batch, mem)
	if err != nil {
		t.Fatal(err)
	}
	if g := render(out); g[0] != "0" {
		t.Errorf("regexp_instr('abc','b',4) = %s", g[0])
	}
	out.Release()
}

func TestTimeFunctions(t *testing.T) {
	i := func(v int64) *Literal { return NewLiteral(v) }
	runAnalystCases(t, []analystCase{
		{fn: "timediff", args: []*Literal{str("2000-01-01 00:00:00"), str("2000-01-01 00:00:00.000001")}, want: "TIME '-00:00:00.000001'"},
		{fn: "timediff", args: []*Literal{str("2008-12-31 23:59:59.000001"), str("2008-12-30 01:01:01.000002")}, want: "TIME '46:58:57.999999'"},
		{fn: "timediff", args: []*Literal{tm("10:00:00"), tm("12:30:00")}, want: "TIME '-02:30:00'"},
		{fn: "timediff", args: []*Literal{ts("2024-01-01 00:00:00"), str("10:00:00")}, want: "NULL"},
		{fn: "timediff", args: []*Literal{ts("2024-03-01 00:00:00"), ts("2024-01-01 00:00:00")}, want: "TIME '838:59:59'"},
		{fn: "time_to_sec", args: []*Literal{str("22:23:00")}, want: "80580"},
		{fn: "time_to_sec", args: []*Literal{str("00:39:38")}, want: "2378"},
		{fn: "time_to_sec", args: []*Literal{tm("-01:00:01")}, want: "-3601"},
		{fn: "time_to_sec", args: []*Literal{ts("2024-01-01 01:00:00")}, want: "3600"},
		{fn: "sec_to_time", args: []*Literal{i(2378)}, want: "TIME '00:39:38'"},
		{fn: "sec_to_time", args: []*Literal{NewLiteral(-1.5)}, want: "TIME '-00:00:01.5'"},
		{fn: "sec_to_time", args: []*Literal{i(99999999)}, want: "TIME '838:59:59'"},
		{fn: "addtime", args: []*Literal{str("2007-12-31 23:59:59.999999"), str("1 1:1:1.000002")}, want: "'2008-01-02 01:01:01.000001'"},
		{fn: "addtime", args: []*Literal{str("01:00:00.999999"), str("02:00:00.999998")}, want: "'03:00:01.999997'"},
		{fn: "addtime", args: []*Literal{ts("2024-01-01 23:00:00"), tm("02:00:00")}, want: "TIMESTAMP '2024-01-02 01:00:00'"},
		{fn: "addtime", args: []*Literal{date("2024-01-01"), str("02:00:00")}, want: "TIMESTAMP '2024-01-01 02:00:00'"},
		{fn: "subtime", args: []*Literal{tm("01:00:00"), str("02:00:00")}, want: "TIME '-01:00:00'"},
		{fn: "subtime", args: []*Literal{str("2007-12-31 23:59:59.999999"), str("1 1:1:1.000002")}, want: "'2007-12-30 22:58:58.999997'"},
		{fn: "addtime", args: []*Literal{str("10:00:00"), str("2024-01-01 00:00:00")}, want: "NULL"},
		{fn: "maketime", args: []*Literal{i(12), i(15), NewLiteral(30.0)}, want: "TIME '12:15:30'"},
		{fn: "maketime", args: []*Literal{i(-1), i(15), NewLiteral(30.0)}, want: "TIME '-01:15:30'"},
		{fn: "maketime", args: []*Literal{i(12), i(60), NewLiteral(30.0)}, want: "NULL"},
		{fn: "maketime", args: []*Literal{i(900), i(0), NewLiteral(0.0)}, want: "TIME '838:59:59'"},
		{fn: "time_format", args: []*Literal{str("100:00:00"), str("%H %k %h %I %l")}, want: "'100 100 04 04 4'"},
		{fn: "time_format", args: []*Literal{str("13:05:09.25"), str("%r %T %p %f %i %s")}, want: "'01:05:09 PM 13:05:09 PM 250000 05 09'"},
		{fn: "time_format", args: []*Literal{str("10:00:00"), str("%Y-%m-%d %e %c")}, want: "'0000-00-00 0 0'"},
		{fn: "time_format", args: []*Literal{str("10:00:00"), str("%M")}, want: "NULL"},
		{fn: "time_format", args: []*Literal{tm("-01:02:03"), str("%H:%i")}, want: "'-01:02'"},
		{fn: "period_add", args: []*Literal{i(200801), i(2)}, want: "200803"},
		{fn: "period_add", args: []*Literal{i(801), i(-2)}, want: "200711"},
		{fn: "period_add", args: []*Literal{i(0), i(5)}, want: "0"},
		{fn: "period_diff", args: []*Literal{i(200802), i(200703)}, want: "11"},
		{fn: "period_diff", args: []*Literal{i(9912), i(1)}, want: "-1"},
		{fn: "to_seconds", args: []*Literal{i(950501)}, want: "62966505600"},
		{fn: "to_seconds", args: []*Literal{str("2009-11-29 13:43:32")}, want: "63426721412"},
		{fn: "to_seconds", args: []*Literal{date("2009-11-29")}, want: "63426672000"},
		{fn: "timestamp", args: []*Literal{str("2003-12-31")}, want: "TIMESTAMP '2003-12-31 00:00:00'"},
		{fn: "timestamp", args: []*Literal{str("2003-12-31 12:00:00"), str("12:00:00")}, want: "TIMESTAMP '2004-01-01 00:00:00'"},
		{fn: "timestamp", args: []*Literal{date("2003-12-31"), tm("-01:00:00")}, want: "TIMESTAMP '2003-12-30 23:00:00'"},
		{fn: "timestampadd", args: []*Literal{str("MINUTE"), i(1), str("2003-01-02")}, want: "'2003-01-02 00:01:00'", consts: []int{0}},
		{fn: "timestampadd", args: []*Literal{str("WEEK"), i(1), date("2003-01-02")}, want: "DATE '2003-01-09'", consts: []int{0}},
		{fn: "get_format", args: []*Literal{str("DATE"), str("usa")}, want: "'%m.%d.%Y'", consts: []int{0}},
		{fn: "get_format", args: []*Literal{str("TIMESTAMP"), str("INTERNAL")}, want: "'%Y%m%d%H%i%s'", consts: []int{0}},
		{fn: "get_format", args: []*Literal{str("TIME"), str("EUR")}, want: "'%H.%i.%s'", consts: []int{0}},
		{fn: "get_format", args: []*Literal{str("TIME"), str("xx")}, want: "NULL", consts: []int{0}},
	})
}

func TestSessionFunctions(t *testing.T) {
	runAnalystCases(t, []analystCase{
		{fn: "charset", args: []*Literal{str("a")}, want: "'utf8mb4'", nullWant: "'utf8mb4'"},
		{fn: "collation", args: []*Literal{str("a")}, want: "'utf8mb4_0900_ai_ci'", nullWant: "'utf8mb4_0900_ai_ci'"},
		{fn: "charset", args: []*Literal{NewLiteral(1)}, want: "'binary'", nullWant: "'binary'"},
		{fn: "last_insert_id", args: []*Literal{NewLiteral(7)}, want: "7"},
	})
	reg := analystRegistry(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for fn, want := range map[string]string{"version": "'8.0.36-Quiver'", "user": "'quiver@localhost'", "current_user": "'quiver@localhost'",
		"connection_id": "1", "last_insert_id": "0", "database": "NULL"} {
		e := ok(NewCallIn(reg, fn, nil))
		batch := testBatch(mem, 3)
		out, err := Eval(context.Background(), e, batch, mem)
		if err != nil {
			t.Fatal(err)
		}
		if g := render(out); g[0] != want {
			t.Errorf("%s() = %s, want %s", fn, g[0], want)
		}
		out.Release()
		batch.Release()
	}
	// UUID(): a new version-1 value per row.
	e := ok(NewCallIn(reg, "uuid", nil))
	batch := testBatch(mem, 16)
	defer batch.Release()
	out, err := Eval(context.Background(), e, batch, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	seen := map[string]bool{}
	re := regexp.MustCompile(`^'[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'$`)
	for _, g := range render(out) {
		if !re.MatchString(g) || seen[g] {
			t.Errorf("uuid() = %s (duplicate %v)", g, seen[g])
		}
		seen[g] = true
	}
}

func TestJSONFunctions(t *testing.T) {
	i := func(v int64) *Literal { return NewLiteral(v) }
	doc := str(`{"b": [1, 2.50, {"c": "x\"y"}], "a": 1, "aa": null, "a": 3}`)
	runAnalystCases(t, []analystCase{
		{fn: "json_extract", args: []*Literal{doc, str("$")}, want: `'{"a": 3, "b": [1, 2.5, {"c": "x\"y"}], "aa": null}'`},
		{fn: "json_extract", args: []*Literal{doc, str("$.b[1]")}, want: "'2.5'"},
		{fn: "json_extract", args: []*Literal{doc, str("$.b[2].c")}, want: `'"x\"y"'`},
		{fn: "json_extract", args: []*Literal{doc, str("$.b[last]")}, want: `'{"c": "x\"y"}'`},
		{fn: "json_extract", args: []*Literal{doc, str("$.b[0 to 1]")}, want: "'[1, 2.5]'"},
		{fn: "json_extract", args: []*Literal{doc, str("$.b[*]")}, want: `'[1, 2.5, {"c": "x\"y"}]'`},
		{fn: "json_extract", args: []*Literal{doc, str("$.a"), str("$.zz"), str("$.aa")}, want: "'[3, null]'"},
		{fn: "json_extract", args: []*Literal{doc, str("$**.c")}, want: `'["x\"y"]'`},
		{fn: "json_extract", args: []*Literal{doc, str("$.zz")}, want: "NULL"},
		{fn: "json_extract", args: []*Literal{doc, str("$.a[0]")}, want: "'3'"},
		{fn: "json_extract", args: []*Literal{str(`{"a b": 1e2}`), str(`$."a b"`)}, want: "'100.0'"},
		{fn: "json_unquote", args: []*Literal{str(`"a\tb\u00e9"`)}, want: "'a\tbé'"},
		{fn: "json_unquote", args: []*Literal{str(`[1]`)}, want: "'[1]'"},
		{fn: "json_quote", args: []*Literal{str("a\"b\n")}, want: `'"a\"b\n"'`},
		{fn: "json_object", args: []*Literal{str("id"), i(87), str("name"), str("carrot"), str("n"), Null(TypeInt64)}, want: `'{"n": null, "id": 87, "name": "carrot"}'`, consts: []int{0}},
		{fn: "json_array", args: []*Literal{i(1), str("abc"), Null(TypeString), NewLiteral(true), dec("1.50"), NewLiteral(2.0), date("2015-01-02")}, want: `'[1, "abc", null, true, 1.50, 2.0, "2015-01-02"]'`, nullWant: `'[null, "abc", null, true, 1.50, 2.0, "2015-01-02"]'`},
		{fn: "json_valid", args: []*Literal{str(`{"a": 1}`)}, want: "1"},
		{fn: "json_valid", args: []*Literal{str(`hello`)}, want: "0"},
		{fn: "json_valid", args: []*Literal{str(`[1,]`)}, want: "0"},
		{fn: "json_type", args: []*Literal{str(`{"a": 1}`)}, want: "'OBJECT'"},
		{fn: "json_type", args: []*Literal{str(`-1`)}, want: "'INTEGER'"},
		{fn: "json_type", args: []*Literal{str(`18446744073709551615`)}, want: "'UNSIGNED INTEGER'"},
		{fn: "json_type", args: []*Literal{str(`1.0`)}, want: "'DOUBLE'"},
		{fn: "json_type", args: []*Literal{str(`null`)}, want: "'NULL'"},
		{fn: "json_length", args: []*Literal{str(`[1, 2, {"a": 3}]`)}, want: "3"},
		{fn: "json_length", args: []*Literal{str(`{"a": 1, "b": {"c": 30}}`), str("$.b")}, want: "1"},
		{fn: "json_length", args: []*Literal{str(`{"a": 1}`), str("$.z")}, want: "NULL"},
		{fn: "json_length", args: []*Literal{str(`"x"`)}, want: "1"},
		{fn: "json_keys", args: []*Literal{str(`{"b": 2, "a": 1}`)}, want: `'["a", "b"]'`},
		{fn: "json_keys", args: []*Literal{str(`{"a": 1, "b": {"c": 30}}`), str("$.b")}, want: `'["c"]'`},
		{fn: "json_keys", args: []*Literal{str(`[1]`)}, want: "NULL"},
		{fn: "json_contains", args: []*Literal{str(`{"a": 1, "b": 2, "c": {"d": 4}}`), str(`1`), str("$.a")}, want: "1"},
		{fn: "json_contains", args: []*Literal{str(`{"a": 1, "b": 2, "c": {"d": 4}}`), str(`{"d": 4}`), str("$.c")}, want: "1"},
		{fn: "json_contains", args: []*Literal{str(`{"a": 1, "b": 2, "c": {"d": 4}}`), str(`1`), str("$.b")}, want: "0"},
		{fn: "json_contains", args: []*Literal{str(`[1, [2, 3], "x"]`), str(`[3, 1]`)}, want: "1"},
		{fn: "json_contains", args: []*Literal{str(`[1, 2]`), str(`1.0`)}, want: "1"},
		{fn: "json_contains", args: []*Literal{str(`{"a": 1}`), str(`1`)}, want: "0"},
	})
}

func TestJSONNestingAndErrors(t *testing.T) {
	reg := analystRegistry(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	eval := func(e Expr) ([]string, error) {
		batch := testBatch(mem, 3)
		defer batch.Release()
		out, err := Eval(context.Background(), e, batch, mem)
		if err != nil {
			return nil, err
		}
		defer out.Release()
		return render(out), nil
	}
	// JSON function results nest as JSON, other strings are JSON strings.
	inner := ok(NewCallIn(reg, "json_array", []Expr{NewLiteral(1), str("[2]")}))
	ext := ok(NewCallIn(reg, "json_extract", []Expr{str(`{"k": [true]}`), str("$.k")}))
	e := ok(NewCallIn(reg, "json_object", []Expr{str("a"), inner, str("b"), ext, str("c"), col(2)}))
	got, err := eval(e)
	if err != nil {
		t.Fatal(err)
	}
	if want := `'{"a": [1, "[2]"], "b": [true], "c": "ABC"}'`; got[0] != want {
		t.Errorf("%s = %s, want %s", e, got[0], want)
	}
	for _, c := range []struct {
		fn   string
		args []Expr
		msg  string
	}{
		{"json_extract", []Expr{str(`{"a": }`), str("$.a")}, "invalid JSON text in argument 1 to function json_extract"},
		{"json_extract", []Expr{str(`{}`), str("a")}, "invalid JSON path expression 'a'"},
		{"json_extract", []Expr{str(`{}`), str("$.a[x]")}, "invalid JSON path expression"},
		{"json_extract", []Expr{str(`{}`), str("$**")}, "invalid JSON path expression"},
		{"json_length", []Expr{str(`[1]`), str("$[*]")}, "wildcards"},
		{"json_object", []Expr{Null(TypeString), NewLiteral(1)}, "NULL member names"},
		{"json_type", []Expr{str(strings.Repeat("[", 101) + strings.Repeat("]", 101))}, "maximum depth"},
		{"json_unquote", []Expr{str(`"a\x"`)}, "invalid JSON text"},
	} {
		e, err := NewCallIn(reg, c.fn, c.args)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eval(e); err == nil || !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want InvalidArgument containing %q", e, err, c.msg)
		}
	}
	if _, err := NewCallIn(reg, "json_object", []Expr{str("a")}); err == nil || !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("json_object('a'): err = %v", err)
	}
}

func TestJSONDoubleFormat(t *testing.T) {
	for f, want := range map[float64]string{100: "100.0", 2.5: "2.5", -0.25: "-0.25", 1e300: "1e300", 1.5e-7: "1.5e-7", 1e6: "1000000.0", 1e15: "1e15", 0.001: "0.001", 0.30000000000000004: "0.30000000000000004"} {
		if g := jsonDouble(f); g != want {
			t.Errorf("jsonDouble(%v) = %s, want %s", f, g, want)
		}
	}
}

// Large string/binary inputs (common from Parquet and DuckDB) keep working:
// a LARGE_STRING value is a JSON string, not JSON text, and REGEXP_SUBSTR
// of LARGE_BINARY builds the VARBINARY it declares.
func TestAnalystLargeTypes(t *testing.T) {
	large := &Literal{DataType: arrow.BinaryTypes.LargeString, Value: "x y"}
	largeBin := &Literal{DataType: arrow.BinaryTypes.LargeBinary, Value: []byte("aXb")}
	runAnalystCases(t, []analystCase{
		{fn: "json_array", args: []*Literal{large}, want: `'["x y"]'`, nullWant: "'[null]'"},
		{fn: "json_object", args: []*Literal{str("k"), large}, want: `'{"k": "x y"}'`, consts: []int{0}},
		{fn: "regexp_substr", args: []*Literal{largeBin, bin("X.")}, want: "X'5862'"},
		{fn: "regexp_like", args: []*Literal{large, str("X Y")}, want: "TRUE"},
		{fn: "md5", args: []*Literal{large}, want: "'" + "c8d1ae9296335b1cfc3d0d1b47b664a7" + "'"},
	})
}

func TestJSONLargeObjectAndDuplicates(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("{")
	const n = 50000
	for k := n - 1; k >= 0; k-- {
		if k != n-1 {
			sb.WriteString(",")
		}
		sb.WriteString(`"k` + strings.Repeat("x", k%3) + string(rune('a'+k%26)) + `":` + "1")
	}
	sb.WriteString(`,"z": 1, "z": 2}`)
	v, err := parseJSON(sb.String())
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(v.keys); i++ {
		if !jsonKeyLess(v.keys[i-1], v.keys[i]) {
			t.Fatalf("keys out of order or duplicated at %d: %q %q", i, v.keys[i-1], v.keys[i])
		}
	}
	if z, ok := v.member("z"); !ok || z.i != 2 {
		t.Errorf("z = %v, want the last duplicate 2", z)
	}
}

func TestJSONPathBudget(t *testing.T) {
	defer func(b int) { jsonPathBudget = b }(jsonPathBudget)
	jsonPathBudget = 100
	reg := analystRegistry(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	doc := "[" + strings.TrimSuffix(strings.Repeat("[1, [2]], ", 30), ", ") + "]"
	e := ok(NewCallIn(reg, "json_extract", []Expr{str(doc), str("$**[1]**[0]")}))
	batch := testBatch(mem, 2)
	defer batch.Release()
	if out, err := Eval(context.Background(), e, batch, mem); err == nil {
		out.Release()
		t.Error("no error past the path budget")
	} else if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "visits more than 100 values") {
		t.Errorf("err = %v, want InvalidArgument naming the budget", err)
	}
	jsonPathBudget = 1 << 22
	out, err := Eval(context.Background(), e, batch, mem)
	if err != nil {
		t.Fatal(err)
	}
	out.Release()
}
