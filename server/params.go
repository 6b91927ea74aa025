package server

import (
	"bytes"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// Parameter binding transport. A client binds `?` values to a prepared
// query with DoPutPreparedStatementQuery; handles are stateless, so the
// server answers with a NEW handle that carries the bound row (Arrow IPC,
// signed with the rest). GetFlightInfo copies the row into the ticket and
// DoGet hands it to Statement.Execute. Updates bind each uploaded row in
// turn. The engine converts each value to its parameter's type (clients
// send what they have: JDBC its own types, ADBC the caller's batch), so the
// server checks only the shape here.

// errMissingParams: a statement with parameters run without bound values.
func errMissingParams(n int) error {
	return errs.Invalidf("the statement has %d parameter(s) and no values are bound; bind them with DoPut first "+
		"and execute the prepared-statement handle that DoPut returns (handles are stateless: the values travel in it)", n)
}

// checkParamSchema verifies that uploaded batches fit the parameter schema:
// one column per parameter, each of the parameter's type or of a scalar type
// the engine converts (an int32 for a BIGINT, text for anything). Whether a
// value converts is decided by the engine at execution (InvalidArgument
// naming the parameter).
func checkParamSchema(want, got *arrow.Schema) error {
	if want.NumFields() != got.NumFields() {
		return errs.Invalidf("%d parameter value(s) sent, the statement has %d", got.NumFields(), want.NumFields())
	}
	for i := range want.NumFields() {
		w, g := want.Field(i).Type, got.Field(i).Type
		if !arrow.TypeEqual(w, g) && !scalarParamType(g) {
			return errs.Invalidf("parameter %d is %s, the statement expects %s (or a scalar type convertible to it)", i+1, g, w)
		}
	}
	return nil
}

// scalarParamType reports whether values of t can be bound to a parameter
// of another type (nested types cannot; a union's row holds one scalar).
func scalarParamType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW,
		arrow.STRUCT, arrow.MAP, arrow.RUN_END_ENCODED, arrow.EXTENSION:
		return false
	}
	return true
}

// readParamRow reads the uploaded parameter batches and returns the single
// row they hold, IPC-encoded. Queries bind exactly one row.
func readParamRow(rdr flight.MessageReader, want *arrow.Schema, mem memory.Allocator) ([]byte, error) {
	var row arrow.RecordBatch
	defer func() {
		if row != nil {
			row.Release()
		}
	}()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if err := checkParamSchema(want, rec.Schema()); err != nil {
			return nil, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		if row != nil || rec.NumRows() > 1 {
			return nil, errs.NotImplementedf("binding more than one parameter row to a query; run it once per row")
		}
		rec.Retain()
		row = rec
	}
	if err := rdr.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "reading the bound parameters")
	}
	if row == nil {
		return nil, errs.Invalidf("no parameter values were sent")
	}
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(row.Schema()), ipc.WithAllocator(mem))
	if err := w.Write(row); err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "encoding bound parameters")
	}
	if err := w.Close(); err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "encoding bound parameters")
	}
	return buf.Bytes(), nil
}

// decodeParamRow decodes a row encoded by readParamRow. The bytes come from
// a ticket or handle whose MAC was verified, so they are our own output;
// still, only the first batch is read. The caller releases the batch.
func decodeParamRow(b []byte, mem memory.Allocator) (arrow.RecordBatch, error) {
	rdr, err := ipc.NewReader(bytes.NewReader(b), ipc.WithAllocator(mem))
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "decoding bound parameters")
	}
	defer rdr.Release()
	if !rdr.Next() {
		if err := rdr.Err(); err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "decoding bound parameters")
		}
		return nil, errs.Internalf("bound parameters are empty")
	}
	rec := rdr.RecordBatch()
	rec.Retain()
	return rec, nil
}

// forEachParamRow calls fn with every uploaded row (one-row slices), for
// updates. With no parameters it drains the stream and calls fn(nil) once.
func forEachParamRow(rdr flight.MessageReader, want *arrow.Schema, fn func(row arrow.RecordBatch) error) error {
	if want.NumFields() == 0 {
		if err := drain(rdr); err != nil {
			return err
		}
		return fn(nil)
	}
	rows := 0
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if err := checkParamSchema(want, rec.Schema()); err != nil {
			return err
		}
		for i := range rec.NumRows() {
			row := rec.NewSlice(i, i+1)
			err := fn(row)
			row.Release()
			if err != nil {
				return err
			}
			rows++
		}
	}
	if err := rdr.Err(); err != nil {
		return errs.Wrap(errs.ErrInvalid, err, "reading the bound parameters")
	}
	if rows == 0 {
		return errMissingParams(want.NumFields())
	}
	return nil
}
