// compose-check loads a Compose file with compose-go (the loader docker compose v2 itself uses):
// schema validation, interpolation, consistency checks (unknown services in depends_on, networks,
// volumes...). No Docker engine needed. Prints the normalized project as JSON on stdout so callers
// can run further checks without a YAML parser.
//
// Usage: compose-check [-f FILE]... [--env-file FILE] [--profile NAME]...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var files, envFiles, profiles multi
	flag.Var(&files, "f", "compose file (repeatable; default docker-compose.yml)")
	flag.Var(&envFiles, "env-file", "env file for interpolation (repeatable)")
	flag.Var(&profiles, "profile", "profile to enable (repeatable)")
	name := flag.String("project-name", "", "project name (default: directory name)")
	flag.Parse()
	if len(files) == 0 {
		files = multi{"docker-compose.yml"}
	}

	opts := []cli.ProjectOptionsFn{
		cli.WithOsEnv,
		cli.WithProfiles(profiles),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	}
	// Only the env files named on the command line, no implicit .env: the result must not depend on a
	// developer's local settings.
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	}
	if *name != "" {
		opts = append(opts, cli.WithName(*name))
	}
	options, err := cli.NewProjectOptions(files, opts...)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
	os.Exit(1)
}
