package server_test

import (
	"context"
	"log"
	"net"
	"time"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/server"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

// Serve a writable memory schema over Flight SQL, then shut down with a
// deadline. Clients connect to grpc://HOST:PORT (the address is logged).
func Example() {
	scratch := qmem.NewSchema("scratch")
	defer scratch.Release()
	c := catalog.NewCatalog("demo")
	if err := c.AddSchema("scratch", scratch); err != nil {
		log.Fatal(err)
	}
	root := catalog.NewRoot()
	if err := root.Add(c); err != nil {
		log.Fatal(err)
	}

	srv, err := server.New(server.Config{
		Engine:         exec.New(exec.Config{Root: root}),
		DefaultCatalog: "demo",
		DefaultSchema:  "scratch",
		Secret:         []byte("shared by every replica"),
	})
	if err != nil {
		log.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()

	// ... clients run queries ...

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Print(err)
	}
	if err := <-done; err != nil {
		log.Print(err)
	}
}
