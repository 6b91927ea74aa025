package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quiverdb/quiver/errs"
)

func queryCommand() *cobra.Command {
	var serverURI, format string
	cmd := &cobra.Command{
		Use:   "query SQL",
		Short: "Run one SQL statement against a running Quiver (or any Flight SQL server) and print the result",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runQuery(cmd.Context(), cmd.OutOrStdout(), serverURI, format, args[0])
		},
	}
	cmd.Flags().StringVar(&serverURI, "server", "grpc://127.0.0.1:32010", "server URI (grpc://HOST:PORT or grpc+tcp://HOST:PORT)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	return cmd
}

func runQuery(ctx context.Context, out io.Writer, serverURI, format, sql string) error {
	switch format {
	case "table", "csv", "json":
	default:
		return errs.Invalidf("--format %q: use table, csv or json", format)
	}
	addr, err := dialAddress(serverURI)
	if err != nil {
		return err
	}
	client, err := flightsql.NewClient(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return errs.Wrap(errs.ErrUnavailable, err, "connect to %s", serverURI)
	}
	defer client.Close()
	info, err := client.Execute(ctx, sql)
	if err != nil {
		return err
	}
	schema, err := flightInfoSchema(info.Schema)
	if err != nil {
		return err
	}
	w := newResultWriter(out, format, schema)
	for _, ep := range info.Endpoint {
		rdr, err := client.DoGet(ctx, ep.Ticket)
		if err != nil {
			return err
		}
		for rdr.Next() {
			if err := w.write(rdr.RecordBatch()); err != nil {
				rdr.Release()
				return err
			}
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			return err
		}
	}
	return w.close()
}

// dialAddress turns grpc://host:port (or grpc+tcp://, or a bare host:port)
// into a dial target. TLS is not supported by this command yet.
func dialAddress(uri string) (string, error) {
	if !strings.Contains(uri, "://") {
		return uri, nil
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", errs.Wrap(errs.ErrInvalid, err, "--server")
	}
	switch u.Scheme {
	case "grpc", "grpc+tcp":
		return u.Host, nil
	default:
		return "", errs.Invalidf("--server %q: scheme %q is not supported (use grpc:// or grpc+tcp://)", uri, u.Scheme)
	}
}

func flightInfoSchema(b []byte) (*arrow.Schema, error) {
	if len(b) == 0 {
		return nil, nil
	}
	return flight.DeserializeSchema(b, memory.DefaultAllocator)
}

// resultWriter prints batches as an aligned table (buffered: column widths
// need every row), CSV or JSON lines (streamed).
type resultWriter struct {
	out    io.Writer
	format string
	schema *arrow.Schema
	csv    *csv.Writer
	rows   [][]string
}

func newResultWriter(out io.Writer, format string, schema *arrow.Schema) *resultWriter {
	return &resultWriter{out: out, format: format, schema: schema}
}

func (w *resultWriter) write(rec arrow.RecordBatch) error {
	switch w.format {
	case "csv":
		if w.csv == nil {
			w.csv = csv.NewWriter(w.out, rec.Schema(), csv.WithHeader(true), csv.WithNullWriter("NULL"))
		}
		return w.csv.Write(rec)
	case "json":
		return array.RecordToJSON(rec, w.out)
	default:
		if w.schema == nil {
			w.schema = rec.Schema()
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]string, rec.NumCols())
			for c := range row {
				col := rec.Column(c)
				if col.IsNull(r) {
					row[c] = "NULL"
				} else {
					row[c] = col.ValueStr(r)
				}
			}
			w.rows = append(w.rows, row)
		}
		return nil
	}
}

func (w *resultWriter) close() error {
	switch w.format {
	case "csv":
		if w.csv != nil {
			return w.csv.Flush()
		}
		return nil
	case "json":
		return nil
	}
	if w.schema == nil {
		return nil
	}
	if w.schema.NumFields() == 1 && w.schema.Field(0).Name == "plan" { // EXPLAIN: print the tree as is
		for _, row := range w.rows {
			fmt.Fprintln(w.out, row[0])
		}
		return nil
	}
	header := make([]string, w.schema.NumFields())
	widths := make([]int, len(header))
	for i, f := range w.schema.Fields() {
		header[i] = f.Name
		widths[i] = len(f.Name)
	}
	for _, row := range w.rows {
		for i, v := range row {
			widths[i] = max(widths[i], len(v))
		}
	}
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				fmt.Fprint(w.out, " | ")
			}
			fmt.Fprintf(w.out, "%-*s", widths[i], c)
		}
		fmt.Fprintln(w.out)
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	line(sep)
	for _, row := range w.rows {
		line(row)
	}
	fmt.Fprintf(w.out, "(%d rows)\n", len(w.rows))
	return nil
}
