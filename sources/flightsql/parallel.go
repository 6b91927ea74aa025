package flightsql

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"

	"github.com/quiverdb/quiver/errs"
)

// streamsFor is how many endpoints of n a read opens at once: the
// configured MaxStreams, else min(n, 2×GOMAXPROCS); at least 1.
func (s *source) streamsFor(n int) int {
	w := s.maxStreams
	if w <= 0 {
		w = 2 * runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, n))
}

// locationClients hands out one Flight client per endpoint location for
// the duration of one read, so endpoints sharing a location share a
// connection. Safe for concurrent use; close closes every connection it
// opened (once no reader uses them).
type locationClients struct {
	src   *source
	mu    sync.Mutex
	conns map[string]flight.Client
}

// get returns the client for loc (a grpc:// URI other than the source's).
func (c *locationClients) get(loc string) (flight.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.conns[loc]; ok {
		return cl, nil
	}
	target, creds, err := parseURI(c.src.name, loc)
	if err != nil {
		return nil, err
	}
	cl, err := flight.NewClientWithMiddleware(target, nil, nil, grpc.WithTransportCredentials(creds), c.src.callOpt)
	if err != nil {
		return nil, errs.Wrap(errs.ErrUnavailable, err, "flightsql source %s: endpoint location %s", c.src.name, loc)
	}
	if c.conns == nil {
		c.conns = make(map[string]flight.Client)
	}
	c.conns[loc] = cl
	return cl, nil
}

func (c *locationClients) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for loc, cl := range c.conns {
		_ = cl.Close()
		delete(c.conns, loc)
	}
}

// parallelStream reads the endpoints of one FlightInfo concurrently, with
// at most `workers` DoGet streams open at once, and hands their batches to
// the consumer in arrival order (no order across endpoints is kept: used
// only when the query has no ORDER BY or LIMIT). The first error stops
// every reader and is what the consumer sees next. close cancels the
// readers, waits for them and releases undelivered batches: no goroutine
// outlives the stream.
//
// next and close are called by the consumer's goroutine only.
type parallelStream struct {
	p      *partition
	ctx    context.Context
	cancel context.CancelFunc
	out    chan arrow.RecordBatch // closed when every worker has returned
	locs   locationClients
	wg     sync.WaitGroup

	mu  sync.Mutex
	err error // first failure
}

// startParallel starts the workers; the caller must call close.
func startParallel(ctx context.Context, p *partition, eps []*flight.FlightEndpoint, workers int, mem memory.Allocator) *parallelStream {
	ctx, cancel := context.WithCancel(ctx)
	s := &parallelStream{p: p, ctx: ctx, cancel: cancel, out: make(chan arrow.RecordBatch, workers)}
	s.locs.src = p.t.src
	var nextEp atomic.Int64
	for range workers {
		s.wg.Add(1)
		go s.worker(eps, &nextEp, mem)
	}
	go func() {
		s.wg.Wait()
		close(s.out)
	}()
	return s
}

// fail records the first error and stops every worker.
func (s *parallelStream) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.cancel()
}

func (s *parallelStream) firstErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// worker claims endpoints until none is left or the stream stops.
func (s *parallelStream) worker(eps []*flight.FlightEndpoint, nextEp *atomic.Int64, mem memory.Allocator) {
	defer s.wg.Done()
	defer func() {
		if x := recover(); x != nil {
			s.fail(errs.Internalf("flightsql source %s: table %s: reading an endpoint: panic: %v", s.p.t.src.name, s.p.t.name, x))
		}
	}()
	for {
		i := int(nextEp.Add(1) - 1)
		if i >= len(eps) || s.ctx.Err() != nil {
			return
		}
		if err := s.readOne(i, len(eps), eps[i], mem); err != nil {
			if s.ctx.Err() == nil || s.firstErr() == nil {
				s.fail(err)
			}
			return
		}
	}
}

// readOne streams endpoint i into s.out.
func (s *parallelStream) readOne(i, n int, ep *flight.FlightEndpoint, mem memory.Allocator) error {
	src, t := s.p.t.src, s.p.t
	what := func() string { return fmt.Sprintf("reading table %s (endpoint %d of %d)", t.name, i+1, n) }
	rdr, closeFn, err := src.doGetWith(s.ctx, ep, mem, &s.locs)
	if err != nil {
		return src.wrapErr(s.ctx, err, "%s", what())
	}
	defer closeFn()
	for rdr.Next() {
		b, err := s.p.adapt(rdr.RecordBatch(), mem)
		if err != nil {
			return err
		}
		select {
		case s.out <- b:
		case <-s.ctx.Done():
			b.Release()
			return src.wrapErr(s.ctx, s.ctx.Err(), "%s", what())
		}
	}
	if err := rdr.Err(); err != nil {
		return src.wrapErr(s.ctx, err, "%s", what())
	}
	return nil
}

// next returns the next batch from any endpoint, nil when all are read.
func (s *parallelStream) next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := s.firstErr(); err != nil {
		return nil, err
	}
	select {
	case b, ok := <-s.out:
		if !ok {
			return nil, s.firstErr()
		}
		if err := s.firstErr(); err != nil {
			b.Release()
			return nil, err
		}
		return b, nil
	case <-ctx.Done():
		return nil, s.p.t.src.wrapErr(ctx, ctx.Err(), "reading table %s", s.p.t.name)
	}
}

// close stops the workers, releases batches nobody will read, waits for
// every worker and closes the connections opened for endpoint locations.
func (s *parallelStream) close() {
	s.cancel()
	for b := range s.out {
		b.Release()
	}
	s.locs.close()
}
