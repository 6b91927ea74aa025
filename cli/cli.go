// Package cli is Quiver's command line: `serve`, `query` and `version`, built
// with cobra. It is public so a custom binary can register its own providers
// and reuse the whole CLI (see examples/customsource):
//
//	reg := catalog.NewRegistry()
//	providers.RegisterBuiltins(reg)          // or only the ones you want
//	reg.Register("accounts", accounts.Factory())
//	os.Exit(cli.Main(cli.Options{Registry: reg, DefaultConfig: myYAML}))
package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/server"
)

// Options configure the CLI.
type Options struct {
	// Registry holds the providers configs may name. Required.
	Registry *catalog.Registry
	// DefaultConfig is the YAML served when no --config and no PATH is
	// given (the embedded config.yaml for the stock binary).
	DefaultConfig []byte
	// Args defaults to os.Args[1:]; Stdout/Stderr default to the process's.
	Args           []string
	Stdout, Stderr io.Writer
}

// Main runs the CLI and returns the process exit code.
func Main(o Options) int {
	if o.Args == nil {
		o.Args = os.Args[1:]
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	root := NewCommand(o)
	root.SetArgs(o.Args)
	root.SetOut(o.Stdout)
	root.SetErr(o.Stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(o.Stderr, "error:", err)
		return 1
	}
	return 0
}

// NewCommand returns the root command with its subcommands.
func NewCommand(o Options) *cobra.Command {
	root := &cobra.Command{
		Use:           "quiver",
		Short:         "Quiver: an Arrow Flight SQL server that puts SQL in front of any data source",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCommand(o), queryCommand(), &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "quiver", server.Version)
		},
	})
	return root
}
