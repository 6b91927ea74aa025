// Package envvar expands ${NAME} references to environment variables in
// provider options that carry secrets (a PostgreSQL DSN, Flight SQL
// headers), so the secret itself never sits in a config file.
package envvar

import (
	"fmt"
	"os"
	"strings"
)

// Expand replaces ${NAME} with the environment variable NAME, which must be
// set. Only the braced form is expanded, so a `$` elsewhere (e.g. in a
// password) is kept as written; an unclosed "${" is kept as well. The error
// names the variable, never its value.
func Expand(s string) (string, error) {
	var sb strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			sb.WriteString(s)
			return sb.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			sb.WriteString(s)
			return sb.String(), nil
		}
		name := s[i+2 : i+j]
		v, ok := os.LookupEnv(name)
		if !ok || name == "" {
			return "", fmt.Errorf("environment variable %q is not set", name)
		}
		sb.WriteString(s[:i])
		sb.WriteString(v)
		s = s[i+j+1:]
	}
}
