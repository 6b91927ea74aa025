package server

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/session"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
)

// Version is the server version reported in GetSqlInfo
// (FLIGHT_SQL_SERVER_VERSION). The build (main.go) sets it.
var Version = "dev"

// Defaults for zero Config fields.
const (
	DefaultMaxRecvMsgBytes = 64 << 20
	DefaultTicketTTL       = time.Hour
	// maxSendMsgBytes bounds one message we send. Result batches are cut
	// well below this (see maxChunkBytes); it only has to leave room.
	maxSendMsgBytes = 256 << 20
)

// Config configures a Server. The zero value of each field documents its
// default; Engine is required.
type Config struct {
	// Engine plans and runs queries; its catalog root answers the metadata
	// RPCs. Required.
	Engine *exec.Engine
	// Logger receives the serving line, recovered panics and internal
	// errors. Default: slog.Default().
	Logger *slog.Logger
	// Secret is the HMAC-SHA256 key that signs tickets and prepared-statement
	// handles. Replicas that should serve each other's tickets share it.
	// Empty: a random key per process (tickets die with the process).
	Secret []byte
	// DefaultCatalog and DefaultSchema are a new session's current catalog
	// and schema (the session options `catalog` and `schema`).
	DefaultCatalog, DefaultSchema string
	// MaxRecvMsgBytes bounds one incoming gRPC message (a DoPut batch, a
	// long SQL text). Default 64 MiB.
	MaxRecvMsgBytes int
	// TicketTTL is how long a DoGet ticket stays valid after GetFlightInfo.
	// Prepared-statement handles do not expire. Default 1 hour.
	TicketTTL time.Duration
	// Allocator allocates result and metadata batches. Default
	// memory.DefaultAllocator.
	Allocator memory.Allocator
}

// Server is a Flight SQL server over one engine. Create it with New, run it
// with Serve, stop it with Shutdown. Its methods are safe for concurrent use.
type Server struct {
	log  *slog.Logger
	svc  *service
	grpc *grpc.Server

	mu   sync.Mutex
	addr net.Addr
}

// New validates cfg and builds a Server (not yet listening).
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errs.Invalidf("server.Config.Engine is required")
	}
	if cfg.Engine.Root() == nil {
		return nil, errs.Invalidf("server.Config.Engine has no catalog root (exec.Config.Root)")
	}
	return newServer(cfg, execEngine{cfg.Engine})
}

// newServer is New with the engine abstracted (tests script it).
func newServer(cfg Config, eng queryEngine) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Allocator == nil {
		cfg.Allocator = memory.DefaultAllocator
	}
	if cfg.MaxRecvMsgBytes < 0 {
		return nil, errs.Invalidf("server.Config.MaxRecvMsgBytes must be positive, got %d", cfg.MaxRecvMsgBytes)
	}
	if cfg.MaxRecvMsgBytes == 0 {
		cfg.MaxRecvMsgBytes = DefaultMaxRecvMsgBytes
	}
	if cfg.TicketTTL < 0 {
		return nil, errs.Invalidf("server.Config.TicketTTL must be positive, got %s", cfg.TicketTTL)
	}
	if cfg.TicketTTL == 0 {
		cfg.TicketTTL = DefaultTicketTTL
	}
	if n := len(cfg.Secret); n > 0 && n < 16 {
		cfg.Logger.Warn("server.Config.Secret is short; use at least 32 random bytes", "bytes", n)
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		if _, err := rand.Read(cfg.Secret); err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "generating a ticket signing key")
		}
	}
	svc, err := newService(cfg, eng)
	if err != nil {
		return nil, err
	}
	s := &Server{log: cfg.Logger, svc: svc}

	sessions := flight.CreateServerMiddleware(session.NewServerSessionMiddleware(lenientSessions{session.NewStatelessServerSessionManager()}))
	s.grpc = grpc.NewServer(
		grpc.MaxRecvMsgSize(cfg.MaxRecvMsgBytes),
		grpc.MaxSendMsgSize(maxSendMsgBytes),
		// Clients (JDBC, ADBC) send keepalive pings; grpc-go's default
		// policy (one per 5 minutes) would answer them with GOAWAY.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             5 * time.Second,
			PermitWithoutStream: true,
		}),
		// Our own pings keep idle connections (and slow first batches)
		// alive through proxies and find dead clients.
		grpc.KeepaliveParams(keepalive.ServerParameters{
			Time:    30 * time.Second,
			Timeout: 20 * time.Second,
		}),
		// The recovering/mapping interceptor is outermost so it also
		// covers the session middleware (which panics on broken state).
		grpc.ChainUnaryInterceptor(s.unaryInterceptor, sessions.Unary),
		grpc.ChainStreamInterceptor(s.streamInterceptor, sessions.Stream),
	)
	fs := &flightService{
		FlightServer: flightsql.NewFlightServerWithAllocator(svc, cfg.Allocator),
		svc:          svc,
		maxPutBody:   cfg.MaxRecvMsgBytes,
	}
	flight.RegisterFlightServiceServer(s.grpc, fs)
	return s, nil
}

// Serve accepts connections on lis until Shutdown. It logs
// `serving Flight SQL on grpc://HOST:PORT` with the bound address once
// listening. It returns nil after Shutdown.
func (s *Server) Serve(lis net.Listener) error {
	s.mu.Lock()
	s.addr = lis.Addr()
	s.mu.Unlock()
	s.log.Info("serving Flight SQL on grpc://" + lis.Addr().String())
	if err := s.grpc.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return errs.Wrap(errs.ErrUnavailable, err, "serving Flight SQL on %s", lis.Addr())
	}
	return nil
}

// Addr is the address Serve listens on, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Shutdown stops accepting new RPCs and waits for running ones until ctx is
// done; then it cancels whatever still runs. It returns an ErrUnavailable
// error when it had to force the stop.
func (s *Server) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.grpc.GracefulStop()
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.grpc.Stop()
		<-done
		return errs.Wrap(errs.ErrUnavailable, ctx.Err(), "graceful shutdown did not finish; running RPCs were cancelled")
	}
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, toStatus(s.log, info.FullMethod, panicError(s.log, info.FullMethod, r))
		}
	}()
	resp, err = handler(ctx, req)
	return resp, toStatus(s.log, info.FullMethod, err)
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = toStatus(s.log, info.FullMethod, panicError(s.log, info.FullMethod, r))
		}
	}()
	return toStatus(s.log, info.FullMethod, handler(srv, ss))
}

// lenientSessions treats an unreadable session cookie as no session (the
// middleware then starts a fresh one) instead of failing every call.
type lenientSessions struct{ session.ServerSessionManager }

func (l lenientSessions) GetSession(ctx context.Context) (session.ServerSession, error) {
	sess, err := l.ServerSessionManager.GetSession(ctx)
	if err != nil {
		return nil, session.ErrNoSession
	}
	return sess, nil
}
