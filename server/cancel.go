package server

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/quiverdb/quiver/errs"
)

// runningQueries tracks the DoGet streams running in this process by ticket,
// so CancelFlightInfo can stop them. Cancellation reaches only this
// process's streams (another replica serving the same ticket is not told).
// Safe for concurrent use.
type runningQueries struct {
	mu   sync.Mutex
	next uint64
	byID map[[sha256.Size]byte]map[uint64]context.CancelFunc
}

func newRunningQueries() *runningQueries {
	return &runningQueries{byID: map[[sha256.Size]byte]map[uint64]context.CancelFunc{}}
}

// track registers a stream for ticket; untrack must be called when the
// stream ends.
func (r *runningQueries) track(ticket []byte, cancel context.CancelFunc) (untrack func()) {
	key := sha256.Sum256(ticket)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	id := r.next
	m := r.byID[key]
	if m == nil {
		m = map[uint64]context.CancelFunc{}
		r.byID[key] = m
	}
	m[id] = cancel
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(m, id)
		if len(m) == 0 {
			delete(r.byID, key)
		}
	}
}

// cancel cancels every stream running ticket and reports how many there were.
func (r *runningQueries) cancel(ticket []byte) int {
	key := sha256.Sum256(ticket)
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.byID[key]
	for _, c := range m {
		c()
	}
	return len(m)
}

// CancelFlightInfo cancels the running DoGet streams of info's endpoints.
// It answers CANCELLED when at least one was running here, else
// NOT_CANCELLABLE (the query has finished or not started: tickets are
// stateless, so a later DoGet with the same ticket would still run).
func (s *service) CancelFlightInfo(_ context.Context, req *flight.CancelFlightInfoRequest) (flight.CancelFlightInfoResult, error) {
	info := req.GetInfo()
	if info == nil || len(info.GetEndpoint()) == 0 {
		return flight.CancelFlightInfoResult{}, errs.Invalidf("CancelFlightInfo needs the FlightInfo returned by GetFlightInfo")
	}
	n := 0
	for _, ep := range info.GetEndpoint() {
		n += s.running.cancel(ep.GetTicket().GetTicket())
	}
	if n > 0 {
		return flight.CancelFlightInfoResult{Status: flight.CancelStatusCancelled}, nil
	}
	return flight.CancelFlightInfoResult{Status: flight.CancelStatusNotCancellable}, nil
}

// RenewFlightEndpoint re-issues a statement ticket with a new expiry.
func (s *service) RenewFlightEndpoint(_ context.Context, req *flight.RenewFlightEndpointRequest) (*flight.FlightEndpoint, error) {
	ep := req.GetEndpoint()
	var a anypb.Any
	if err := proto.Unmarshal(ep.GetTicket().GetTicket(), &a); err != nil {
		return nil, errs.Invalidf("RenewFlightEndpoint needs an endpoint returned by GetFlightInfo")
	}
	var tq pb.TicketStatementQuery
	if err := a.UnmarshalTo(&tq); err != nil {
		return nil, errs.Invalidf("RenewFlightEndpoint needs an endpoint returned by GetFlightInfo")
	}
	t, err := s.sign.open(tq.GetStatementHandle(), kindStatement, kindResult)
	if err != nil {
		return nil, err
	}
	t.Expires = time.Now().Add(s.ttl)
	tkt, err := statementTicket(s.sign.seal(t))
	if err != nil {
		return nil, err
	}
	out := proto.Clone(ep).(*flight.FlightEndpoint)
	out.Ticket = &flight.Ticket{Ticket: tkt}
	out.ExpirationTime = timestamppb.New(t.Expires)
	return out, nil
}

// CancelQuery is the older Flight SQL cancel action (before
// CancelFlightInfo); it cancels the same way and answers CANCELLED or
// NOT_CANCELLABLE.
func (s *service) CancelQuery(ctx context.Context, req flightsql.ActionCancelQueryRequest) (flightsql.CancelResult, error) {
	res, err := s.CancelFlightInfo(ctx, &flight.CancelFlightInfoRequest{Info: req.GetInfo()})
	if err != nil {
		return flightsql.CancelResultUnspecified, err
	}
	if res.Status == flight.CancelStatusCancelled {
		return flightsql.CancelResultCancelled, nil
	}
	return flightsql.CancelResultNotCancellable, nil
}
