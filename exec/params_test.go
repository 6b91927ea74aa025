package exec_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
)

// paramRow builds a one-row batch of the given values (int, int32, int64,
// float64, string, nil → a NULL utf8 column).
func paramRow(t testing.TB, mem memory.Allocator, vals ...any) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(vals))
	cols := make([]arrow.Array, len(vals))
	for i, v := range vals {
		var b array.Builder
		switch x := v.(type) {
		case int:
			ib := array.NewInt64Builder(mem)
			ib.Append(int64(x))
			b = ib
		case int32:
			ib := array.NewInt32Builder(mem)
			ib.Append(x)
			b = ib
		case float64:
			fb := array.NewFloat64Builder(mem)
			fb.Append(x)
			b = fb
		case string:
			sb := array.NewStringBuilder(mem)
			sb.Append(x)
			b = sb
		case nil:
			sb := array.NewStringBuilder(mem)
			sb.AppendNull()
			b = sb
		default:
			t.Fatalf("paramRow: unsupported %T", v)
		}
		cols[i] = b.NewArray()
		b.Release()
		fields[i] = arrow.Field{Name: "p", Type: cols[i].DataType(), Nullable: true}
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 1)
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// run prepares sql, binds vals and returns the rendered rows.
func (f *fixture) run(t testing.TB, sql string, vals ...any) ([]string, error) {
	t.Helper()
	ctx := context.Background()
	st, err := f.eng.Prepare(ctx, opts, sql)
	if err != nil {
		return nil, err
	}
	var params arrow.RecordBatch
	if len(vals) > 0 {
		params = paramRow(t, f.mem, vals...)
		defer params.Release()
	}
	rr, err := st.Execute(ctx, f.mem, params)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	if !rr.Schema().Equal(st.Schema()) {
		t.Errorf("%s: reader schema %v differs from prepared schema %v", sql, rr.Schema(), st.Schema())
	}
	return render(rr)
}

func TestParameterSchemaInferred(t *testing.T) {
	f := newFixture(t, exec.Config{})
	f.exec(t, "CREATE TABLE typed (i INT NOT NULL, d DECIMAL(10,2), dt DATE, b BOOLEAN)")
	for sql, want := range map[string]string{
		"SELECT s FROM nums WHERE n = ?":                                          "int64",
		"SELECT s FROM nums WHERE ? < n":                                          "int64",
		"SELECT s FROM nums WHERE n IN (?, 2, ?)":                                 "int64,int64",
		"SELECT s FROM nums WHERE ? IN (n, 3)":                                    "int64",
		"SELECT s FROM nums WHERE n BETWEEN ? AND ?":                              "int64,int64",
		"SELECT n * ? FROM nums":                                                  "int64",
		"SELECT ?, ?":                                                             "utf8,utf8",
		"SELECT s FROM nums WHERE s LIKE ?":                                       "utf8",
		"SELECT s FROM nums WHERE s = ? AND n > (?)":                              "utf8,int64",
		"INSERT INTO typed VALUES (?, ?, ?, ?)":                                   "int32,decimal(10, 2),date32,bool",
		"INSERT INTO typed (dt, i) VALUES (?, ?)":                                 "date32,int32",
		"SELECT i FROM typed WHERE d >= ? AND dt = ?":                             "decimal(10, 2),date32",
		"SELECT s FROM nums WHERE n = ? OR n IN (SELECT n FROM nums WHERE s = ?)": "int64,utf8",
		"SELECT s FROM nums ORDER BY n LIMIT ? OFFSET ?":                          "int64,int64",
	} {
		st, err := f.eng.Prepare(context.Background(), opts, sql)
		if err != nil {
			t.Errorf("%s: %v", sql, err)
			continue
		}
		ps := st.ParameterSchema()
		var got []string
		for i, fl := range ps.Fields() {
			if fl.Name != strings.TrimSpace(string(rune('1'+i))) || !fl.Nullable {
				t.Errorf("%s: field %d is %v", sql, i, fl)
			}
			got = append(got, fl.Type.String())
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%s: parameter types %v, want %s", sql, got, want)
		}
		if st.TotalRecords() != -1 {
			t.Errorf("%s: TotalRecords %d before binding", sql, st.TotalRecords())
		}
	}
}

func TestParametersBound(t *testing.T) {
	f := newFixture(t, exec.Config{Parallelism: 2})
	for _, c := range []struct {
		sql  string
		vals []any
		want string
	}{
		{"SELECT s FROM nums WHERE n = ?", []any{3}, "c"},
		{"SELECT s FROM nums WHERE n = ?", []any{int32(4)}, "d"},         // narrower int
		{"SELECT s FROM nums WHERE n = ?", []any{"2"}, "b"},              // text for a BIGINT
		{"SELECT s FROM nums WHERE n = ?", []any{nil}, ""},               // NULL matches nothing
		{"SELECT s FROM nums WHERE n > ? ORDER BY n", []any{3.0}, "d,e"}, // integral double for BIGINT
		{"SELECT s FROM nums WHERE n IN (?, ?) ORDER BY n", []any{1, 5}, "a,e"},
		{"SELECT s FROM nums WHERE n BETWEEN ? AND ? ORDER BY n", []any{2, 3}, "b,c"},
		{"SELECT s FROM nums WHERE s = ?", []any{"B"}, "b"}, // collation applies
		{"SELECT n * ?, ? FROM nums WHERE n = 2", []any{10, "x"}, "20|x"},
		{"SELECT ? + 1", []any{"41"}, "42"},
		{"SELECT s FROM nums WHERE n = ?", []any{"1e0"}, "a"}, // exponent text for a BIGINT
		{"SELECT s FROM nums WHERE n = ?", []any{" 5"}, "e"},
		{"SELECT s FROM nums WHERE n IS NOT NULL ORDER BY n LIMIT ? OFFSET ?", []any{2, "1"}, "b,c"},
		{"SELECT s FROM nums WHERE n > ? ORDER BY n LIMIT ?", []any{1, int32(1)}, "b"},
		{"SELECT s FROM nums WHERE n = ? OR n IN (SELECT n FROM nums WHERE s = ?) ORDER BY n", []any{1, "e"}, "a,e"},
	} {
		rows, err := f.run(t, c.sql, c.vals...)
		if err != nil {
			t.Errorf("%s %v: %v", c.sql, c.vals, err)
			continue
		}
		if got := strings.Join(rows, ","); got != c.want {
			t.Errorf("%s %v: got %q, want %q", c.sql, c.vals, got, c.want)
		}
	}
	// One prepared statement, several executions with different values.
	st, err := f.eng.Prepare(context.Background(), opts, "SELECT s FROM nums WHERE n = ?")
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[int]string{1: "a", 2: "b", 5: "e", 9: ""} {
		p := paramRow(t, f.mem, v)
		rr, err := st.Execute(context.Background(), f.mem, p)
		p.Release()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := render(rr)
		rr.Release()
		if err != nil || strings.Join(rows, ",") != want {
			t.Errorf("n = %d: %v %v", v, rows, err)
		}
	}
}

func TestParametersInsert(t *testing.T) {
	f := newFixture(t, exec.Config{})
	f.exec(t, "CREATE TABLE ins (i INT NOT NULL, d DECIMAL(10,2), s VARCHAR(10))")
	st, err := f.eng.Prepare(context.Background(), opts, "INSERT INTO ins VALUES (?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsUpdate() {
		t.Fatal("INSERT with parameters is not an update")
	}
	for _, vals := range [][]any{{1, "2.50", "x"}, {int32(2), 3.25, nil}, {"3", 4, "z"}} {
		p := paramRow(t, f.mem, vals...)
		n, err := st.ExecuteUpdate(context.Background(), p)
		p.Release()
		if err != nil || n != 1 {
			t.Fatalf("insert %v: n=%d err=%v", vals, n, err)
		}
	}
	if got := strings.Join(f.exec(t, "SELECT i, d, s FROM ins ORDER BY i"), ","); got != "1|2.5|x,2|3.25|NULL,3|4|z" {
		t.Errorf("inserted rows: %s", got)
	}
	// NULL for a NOT NULL column is refused at execution.
	p := paramRow(t, f.mem, nil, 1, "a")
	defer p.Release()
	if _, err := st.ExecuteUpdate(context.Background(), p); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("NULL into NOT NULL: %v", err)
	}
}

func TestParametersPushedDown(t *testing.T) {
	f := newFixture(t, exec.Config{Parallelism: 1})
	rows, err := f.run(t, "EXPLAIN SELECT s FROM nums WHERE n = ?", int32(3))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(rows, "\n")
	if !strings.Contains(text, "full_filters=[") || !strings.Contains(text, "= 3") {
		t.Errorf("bound value not pushed into the scan:\n%s", text)
	}
}

func TestParameterErrors(t *testing.T) {
	f := newFixture(t, exec.Config{})
	ctx := context.Background()
	st, err := f.eng.Prepare(ctx, opts, "SELECT s FROM nums WHERE n = ? AND s = ?")
	if err != nil {
		t.Fatal(err)
	}
	for name, vals := range map[string][]any{
		"none":      nil,
		"too few":   {1},
		"too many":  {1, "a", 2},
		"not a num": {"abc", "a"},
		"fraction":  {3.5, "a"},
	} {
		var p arrow.RecordBatch
		if vals != nil {
			p = paramRow(t, f.mem, vals...)
		}
		rr, err := st.Execute(ctx, f.mem, p)
		if p != nil {
			p.Release()
		}
		if rr != nil {
			rr.Release()
		}
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
			continue
		}
		if (name == "not a num" || name == "fraction") && !strings.Contains(err.Error(), "parameter 1") {
			t.Errorf("%s: error does not name the parameter: %v", name, err)
		}
	}
	st, err = f.eng.Prepare(ctx, opts, "SELECT s FROM nums LIMIT ?")
	if err != nil {
		t.Fatal(err)
	}
	p := paramRow(t, f.mem, -1)
	defer p.Release()
	if _, err := st.Execute(ctx, f.mem, p); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "parameter 1") {
		t.Errorf("LIMIT -1: %v", err)
	}
	// Placeholders outside a prepared statement's Build are refused, not
	// crashed on; with an engine they always prepare.
	if _, err := f.run(t, "SELECT ?"); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("execute without values: %v", err)
	}
}

// Clients such as flightsql-dbapi send each value as a one-row dense union.
func TestParameterUnion(t *testing.T) {
	f := newFixture(t, exec.Config{})
	ib := array.NewInt64Builder(f.mem)
	ib.Append(99)
	ib.Append(4)
	ints := ib.NewArray()
	ib.Release()
	sb := array.NewStringBuilder(f.mem)
	sb.Append("x")
	strs := sb.NewArray()
	sb.Release()
	tb := array.NewInt8Builder(f.mem)
	tb.Append(0)
	typeIDs := tb.NewArray()
	tb.Release()
	ob := array.NewInt32Builder(f.mem)
	ob.Append(1) // the second int64: 4
	offsets := ob.NewArray()
	ob.Release()
	u, err := array.NewDenseUnionFromArrays(typeIDs, offsets, []arrow.Array{ints, strs})
	for _, a := range []arrow.Array{ints, strs, typeIDs, offsets} {
		a.Release()
	}
	if err != nil {
		t.Fatal(err)
	}
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "p", Type: u.DataType()}}, nil), []arrow.Array{u}, 1)
	u.Release()
	defer rec.Release()
	st, err := f.eng.Prepare(context.Background(), opts, "SELECT s FROM nums WHERE n = ?")
	if err != nil {
		t.Fatal(err)
	}
	rr, err := st.Execute(context.Background(), f.mem, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	rows, err := render(rr)
	if err != nil || strings.Join(rows, ",") != "d" {
		t.Errorf("union-bound n = 4: %v %v", rows, err)
	}
}

// One prepared statement bound with different values from several
// goroutines at once.
func TestParametersConcurrent(t *testing.T) {
	f := newFixture(t, exec.Config{Parallelism: 2})
	st, err := f.eng.Prepare(context.Background(), opts, "SELECT s FROM nums WHERE n = ?")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "c", "d", "e"}
	errc := make(chan error, 5)
	for i := range 5 {
		go func() {
			p := paramRow(t, f.mem, i+1)
			defer p.Release()
			rr, err := st.Execute(context.Background(), f.mem, p)
			if err != nil {
				errc <- err
				return
			}
			defer rr.Release()
			rows, err := render(rr)
			if err == nil && strings.Join(rows, ",") != want[i] {
				err = errors.New("n = " + string(rune('1'+i)) + ": got " + strings.Join(rows, ","))
			}
			errc <- err
		}()
	}
	for range 5 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

// Dates bind from text, from DATE32 and from other temporal encodings
// (Arrow's cast); a malformed date is InvalidArgument naming the parameter.
func TestParametersTemporal(t *testing.T) {
	f := newFixture(t, exec.Config{})
	f.exec(t, "CREATE TABLE days (d DATE, label VARCHAR(5))")
	f.exec(t, "INSERT INTO days VALUES ('2024-01-02', 'x'), ('2024-03-04', 'y')")
	st, err := f.eng.Prepare(context.Background(), opts, "SELECT label FROM days WHERE d = ?")
	if err != nil {
		t.Fatal(err)
	}
	if ty := st.ParameterSchema().Field(0).Type; ty.ID() != arrow.DATE32 {
		t.Fatalf("parameter type %s, want date32", ty)
	}
	day := arrow.Date32FromTime(time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC))
	d32 := array.NewDate32Builder(f.mem)
	d32.Append(day)
	d64 := array.NewDate64Builder(f.mem)
	d64.Append(arrow.Date64FromTime(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)))
	sb := array.NewStringBuilder(f.mem)
	sb.Append("2024-03-04")
	for _, c := range []struct {
		b    array.Builder
		want string
	}{{d32, "y"}, {d64, "x"}, {sb, "y"}} {
		col := c.b.NewArray()
		c.b.Release()
		rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "p", Type: col.DataType()}}, nil), []arrow.Array{col}, 1)
		col.Release()
		rr, err := st.Execute(context.Background(), f.mem, rec)
		rec.Release()
		if err != nil {
			t.Errorf("%s: %v", col.DataType(), err)
			continue
		}
		rows, err := render(rr)
		rr.Release()
		if err != nil || strings.Join(rows, ",") != c.want {
			t.Errorf("%s: %v %v, want %s", col.DataType(), rows, err, c.want)
		}
	}
	if _, err := f.run(t, "SELECT label FROM days WHERE d = ?", "2024-13-45"); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "parameter 1") {
		t.Errorf("bad date: %v", err)
	}
}

// Floating-point values bind to FLOAT and DECIMAL parameters (approximate
// by nature); an exact value that would lose digits is refused.
func TestParametersApproximate(t *testing.T) {
	f := newFixture(t, exec.Config{})
	f.exec(t, "CREATE TABLE fl (f FLOAT, d DECIMAL(10,2))")
	st, err := f.eng.Prepare(context.Background(), opts, "INSERT INTO fl VALUES (?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	p := paramRow(t, f.mem, 0.1, 0.125)
	defer p.Release()
	if n, err := st.ExecuteUpdate(context.Background(), p); err != nil || n != 1 {
		t.Fatalf("insert 0.1, 0.125: %d %v", n, err)
	}
	if rows := f.exec(t, "SELECT count(*) FROM fl WHERE d > 0.1"); strings.Join(rows, ",") != "1" {
		t.Errorf("rows %v", rows)
	}
	q := paramRow(t, f.mem, 1, "1.255")
	defer q.Release()
	if _, err := st.ExecuteUpdate(context.Background(), q); err != nil {
		t.Errorf("text 1.255 for DECIMAL(10,2): %v", err)
	}
}

// Bind returns a placeholder-free statement: same schema, exact row count
// when provable, values visible in EXPLAIN-style plans.
func TestStatementBind(t *testing.T) {
	f := newFixture(t, exec.Config{})
	ctx := context.Background()
	st, err := f.eng.Prepare(ctx, opts, "SELECT ? + 1 AS x")
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalRecords() != -1 {
		t.Errorf("prepared TotalRecords %d, want -1", st.TotalRecords())
	}
	p := paramRow(t, f.mem, 41)
	bound, err := st.Bind(ctx, p)
	p.Release() // the bound statement does not reference the batch
	if err != nil {
		t.Fatal(err)
	}
	if bound.TotalRecords() != 1 || !bound.Schema().Equal(st.Schema()) || bound.ParameterSchema().NumFields() != 0 {
		t.Errorf("bound: total %d schema %v params %v", bound.TotalRecords(), bound.Schema(), bound.ParameterSchema())
	}
	rr, err := bound.Execute(ctx, f.mem, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := render(rr)
	rr.Release()
	if err != nil || strings.Join(rows, ",") != "42" {
		t.Errorf("rows %v %v", rows, err)
	}
	// Without placeholders Bind is the statement itself.
	plain, err := f.eng.Prepare(ctx, opts, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := plain.Bind(ctx, nil); err != nil || b != plain {
		t.Errorf("Bind without placeholders: %v %v", b, err)
	}
	if _, err := st.Bind(ctx, nil); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Bind without values: %v", err)
	}
}
