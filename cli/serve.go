package cli

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/config"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/internal/gctune"
	"github.com/quiverdb/quiver/server"
	"github.com/quiverdb/quiver/sources/infoschema"
)

// shutdownGrace bounds how long a stopping server waits for running RPCs.
const shutdownGrace = 10 * time.Second

func serveCommand(o Options) *cobra.Command {
	var configPath, listen string
	cmd := &cobra.Command{
		Use:   "serve [PATH...]",
		Short: "Serve Flight SQL: the embedded demo config, a --config file, or the data files at PATH",
		Long: `Serve Flight SQL.

With no arguments, serves the embedded default configuration (a demo catalog).
With --config FILE, serves that configuration.
With PATH arguments (files or directories), serves every CSV, Parquet,
JSON-lines and Arrow IPC file there as a table named after the file, in catalog "files",
schema "public"; no config file is needed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(o, configPath, args)
			if err != nil {
				return err
			}
			if listen != "" {
				cfg.Listen = listen
			}
			return serve(cmd.Context(), o, cfg)
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "config file (YAML); default: the embedded config.yaml")
	cmd.Flags().StringVar(&listen, "listen", "", "HOST:PORT to listen on (overrides the config's listen; port 0 picks a free port)")
	return cmd
}

func loadConfig(o Options, configPath string, paths []string) (*config.Config, error) {
	switch {
	case configPath != "" && len(paths) > 0:
		return nil, errs.Invalidf("give either --config or data PATHs, not both")
	case configPath != "":
		data, err := os.ReadFile(configPath)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "reading config")
		}
		abs, err := filepath.Abs(filepath.Dir(configPath))
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "config path")
		}
		return config.Parse(data, abs)
	case len(paths) > 0:
		return filesConfig(paths)
	default:
		wd, err := os.Getwd()
		if err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "working directory")
		}
		return config.Parse(o.DefaultConfig, wd)
	}
}

// fileProviders maps data file extensions to the provider that reads them.
var fileProviders = map[string]string{
	".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
	".arrow": "ipc", ".feather": "ipc", ".ipc": "ipc",
}

// filesConfig builds a config serving each data file under paths as a table
// named after the file (without extension) in files.public.
func filesConfig(paths []string) (*config.Config, error) {
	tables := map[string]config.Source{}
	add := func(path string) error {
		ext := strings.ToLower(filepath.Ext(path))
		provider, ok := fileProviders[ext]
		if !ok {
			return nil
		}
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		if _, dup := tables[name]; dup {
			return errs.Invalidf("two data files would both be table %q (%s)", name, path)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return errs.Wrap(errs.ErrInvalid, err, "path %s", path)
		}
		tables[name] = config.Source{Provider: provider, Options: map[string]any{"path": abs}}
		return nil
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, errs.Wrap(errs.ErrNotFound, err, "data path")
		}
		if !info.IsDir() {
			if _, ok := fileProviders[strings.ToLower(filepath.Ext(p))]; !ok {
				return nil, errs.Invalidf("%s: not a CSV, Parquet, JSON-lines or Arrow IPC file (by extension)", p)
			}
			if err := add(p); err != nil {
				return nil, err
			}
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "data path")
		}
		for _, e := range entries {
			if !e.IsDir() {
				if err := add(filepath.Join(p, e.Name())); err != nil {
					return nil, err
				}
			}
		}
	}
	if len(tables) == 0 {
		return nil, errs.Invalidf("no CSV, Parquet, JSON-lines or Arrow IPC files in %s", strings.Join(paths, ", "))
	}
	cfg, err := config.Parse([]byte("default_catalog: files\n"), "")
	if err != nil {
		return nil, err
	}
	cfg.Catalogs = map[string]config.Catalog{"files": {Schemas: map[string]config.Schema{"public": {Tables: tables}}}}
	return cfg, cfg.Validate()
}

func serve(ctx context.Context, o Options, cfg *config.Config) error {
	logger := newLogger(o, cfg.LogLevel)
	gc := gctune.Apply()
	logger.Debug("garbage collector", "gc_percent_set", gc.Percent, "memory_limit_set", gc.MemoryLimit)
	root, err := config.BuildRoot(ctx, cfg, o.Registry)
	if err != nil {
		return err
	}
	defer func() {
		if err := root.Close(); err != nil {
			logger.Warn("closing data sources", "err", err)
		}
	}()
	if err := checkDefaults(root, cfg); err != nil {
		return err
	}
	if err := infoschema.Attach(root); err != nil {
		return err
	}
	engine := exec.New(exec.Config{Root: root, Limits: exec.Limits{
		MaxSQLBytes:     cfg.Limits.MaxSQLBytes,
		MaxNestingDepth: cfg.Limits.MaxNestingDepth,
		MaxInListItems:  cfg.Limits.MaxInListItems,
		MemoryLimit:     cfg.Limits.MemoryLimit,
	}})
	srv, err := server.New(server.Config{
		Engine:          engine,
		Logger:          logger,
		DefaultCatalog:  cfg.DefaultCatalog,
		DefaultSchema:   cfg.DefaultSchema,
		MaxRecvMsgBytes: cfg.Limits.MaxMessageBytes,
	})
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return errs.Wrap(errs.ErrUnavailable, err, "listen on %s", cfg.Listen)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	return <-done
}

// checkDefaults fails at startup when default_catalog/default_schema name
// nothing, instead of failing every query later.
func checkDefaults(root *catalog.Root, cfg *config.Config) error {
	c, err := root.Catalog(cfg.DefaultCatalog)
	if err != nil {
		names := root.CatalogNames()
		sort.Strings(names)
		return errs.Invalidf("config default_catalog: %q is not a configured catalog (have %v)", cfg.DefaultCatalog, names)
	}
	if _, err := c.Schema(cfg.DefaultSchema); err != nil {
		return errs.Invalidf("config default_schema: %q is not a schema of catalog %q (have %v)", cfg.DefaultSchema, cfg.DefaultCatalog, c.SchemaNames())
	}
	return nil
}

func newLogger(o Options, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by config
	return slog.New(slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: l}))
}
