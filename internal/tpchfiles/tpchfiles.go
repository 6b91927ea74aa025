// Package tpchfiles writes the TPC-H tables of the tpch provider to Parquet
// files (one file per table, <dir>/<table>.parquet), so other engines (DuckDB
// in the differential tests) and Quiver's parquet provider read the very same
// data.
package tpchfiles

import (
	"context"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/tpch"
)

// Tables are the eight TPC-H tables.
var Tables = []string{"region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"}

// Write generates every table at the given scale factor into dir. Files are
// written to a temporary name and renamed, so a cut-off run never leaves a
// half-written file under the final name.
func Write(ctx context.Context, dir string, scale float64) error {
	schema, err := tpch.NewSchema(scale, 1<<17)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errs.Wrap(errs.ErrInvalid, err, "tpch output directory")
	}
	for _, name := range Tables {
		if err := writeTable(ctx, schema, name, filepath.Join(dir, name+".parquet")); err != nil {
			return err
		}
	}
	return nil
}

func writeTable(ctx context.Context, schema *tpch.Schema, name, path string) error {
	table, err := schema.Table(ctx, name)
	if err != nil {
		return err
	}
	scan, err := table.Scan(ctx, catalog.ScanRequest{Limit: -1})
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return errs.Wrap(errs.ErrInvalid, err, "create %s", tmp)
	}
	defer os.Remove(tmp)
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1<<17), parquet.WithStats(true))
	w, err := pqarrow.NewFileWriter(scan.Schema(), f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return errs.Wrap(errs.ErrInternal, err, "parquet writer for %s", name)
	}
	for _, p := range scan.Partitions() {
		rdr, err := p.Open(ctx, memory.DefaultAllocator)
		if err != nil {
			w.Close()
			return err
		}
		for rdr.Next() {
			if err := w.WriteBuffered(rdr.RecordBatch()); err != nil {
				rdr.Release()
				w.Close()
				return errs.Wrap(errs.ErrInternal, err, "writing %s", name)
			}
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			w.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		return errs.Wrap(errs.ErrInternal, err, "closing %s", path)
	}
	return os.Rename(tmp, path)
}
