package planbuilder

import "strings"

// rewriteCatalogNames lets MySQL's grammar, which knows only schema.table,
// carry catalog.schema.table: a three-part name right after FROM, JOIN,
// INTO, TABLE or EXISTS is rewritten to `catalog<US>schema`.`table` (US =
// catalogSep, a control character no real name contains) and tableName
// splits it again. Strings, quoted identifiers and comments are skipped.
// Error positions after a rewritten name shift by the few bytes added.
func rewriteCatalogNames(sql string) string {
	if strings.Count(sql, ".") < 2 {
		return sql
	}
	var out strings.Builder
	last := 0 // sql[last:] not yet copied to out
	prev := ""
	n := len(sql)
	for i := 0; i < n; {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			i = skipQuoted(sql, i)
			prev = ""
		case c == '#' || (c == '-' && i+1 < n && sql[i+1] == '-'):
			for i < n && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				i = n
			} else {
				i += 2 + end + 2
			}
		case c == '`' || isIdentByte(c):
			if prev == "FROM" || prev == "JOIN" || prev == "INTO" || prev == "TABLE" || prev == "EXISTS" {
				if parts, end, ok := threePartName(sql, i); ok {
					out.WriteString(sql[last:i])
					out.WriteString(quoteIdent(parts[0] + catalogSep + parts[1]))
					out.WriteByte('.')
					out.WriteString(quoteIdent(parts[2]))
					last, i, prev = end, end, ""
					continue
				}
			}
			if c == '`' {
				i = skipQuoted(sql, i)
				prev = ""
				continue
			}
			j := i
			for j < n && isIdentByte(sql[j]) {
				j++
			}
			prev = strings.ToUpper(sql[i:j])
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		default:
			prev = ""
			i++
		}
	}
	if last == 0 {
		return sql
	}
	out.WriteString(sql[last:])
	return out.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// skipQuoted returns the index after the quoted token starting at i.
func skipQuoted(sql string, i int) int {
	q := sql[i]
	n := len(sql)
	i++
	for i < n {
		if sql[i] == '\\' && q != '`' {
			i += 2
			continue
		}
		if sql[i] == q {
			if i+1 < n && sql[i+1] == q {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return n
}

// identAt reads one identifier (bare or backquoted) at i.
func identAt(sql string, i int) (string, int, bool) {
	if i >= len(sql) {
		return "", i, false
	}
	if sql[i] == '`' {
		end := skipQuoted(sql, i)
		if end > len(sql) || end-i < 2 || sql[end-1] != '`' {
			return "", i, false
		}
		return strings.ReplaceAll(sql[i+1:end-1], "``", "`"), end, true
	}
	j := i
	for j < len(sql) && isIdentByte(sql[j]) {
		j++
	}
	return sql[i:j], j, j > i
}

// threePartName reads a.b.c at i (no spaces around the dots), rejecting
// longer chains.
func threePartName(sql string, i int) ([3]string, int, bool) {
	var parts [3]string
	for k := 0; k < 3; k++ {
		if k > 0 {
			if i >= len(sql) || sql[i] != '.' {
				return parts, 0, false
			}
			i++
		}
		s, end, ok := identAt(sql, i)
		if !ok {
			return parts, 0, false
		}
		parts[k], i = s, end
	}
	if i < len(sql) && sql[i] == '.' {
		return parts, 0, false
	}
	return parts, i, true
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
