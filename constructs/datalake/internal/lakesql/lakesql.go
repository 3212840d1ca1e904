// Package lakesql writes the SQL a gureum data lake runs in Athena: the
// MERGE INTO that promotes one raw partition into an Iceberg table,
// deduplicated by the table's key, and the queries shipped as Athena named
// queries. It has no AWS dependency, so its output is golden-tested, parsed
// with Trino's grammar (dt-sql-parser, npm; Trino is the engine behind Athena
// v3) and run against a real SQL engine (PostgreSQL, whose MERGE is the same
// SQL:2008 statement as Trino's) without the CDK.
//
// The statements use the subset of SQL the two engines share: double-quoted
// identifiers, ROW_NUMBER() OVER (PARTITION BY … ORDER BY … NULLS LAST),
// MERGE with WHEN MATCHED AND … THEN UPDATE SET and WHEN NOT MATCHED THEN
// INSERT. They hold no string literal, backslash or brace, so that Step
// Functions' States.Format can fill the partition placeholders ("{}")
// without escaping.
package lakesql

import (
	"fmt"
	"strings"
)

// Placeholder is what States.Format replaces with the next argument.
const Placeholder = "{}"

// RankColumn is the helper column the deduplication ranks copies in; no
// declared column may take its name.
const RankColumn = "gureum_copy"

// Name is a database-qualified table name.
type Name struct {
	Database, Table string
}

func (n Name) String() string { return quote(n.Database) + "." + quote(n.Table) }

// Column is one column of the target table and the source column it is read
// from.
type Column struct {
	Name string
	// From is the source column. Default: Name.
	From string
}

func (c Column) from() string {
	if c.From == "" {
		return c.Name
	}
	return c.From
}

// Merge promotes the rows of one source partition into the target table.
type Merge struct {
	Source, Target Name
	// Columns are every column of the target, in order.
	Columns []Column
	// Key names the target columns that identify a record. Copies of a key
	// within the partition are reduced to one; a key already in the target
	// is not inserted again. Source rows with a NULL key column are skipped:
	// they could never match, so every run would insert them again.
	Key []string
	// Version names a target column whose greater value is the newer copy
	// of a record: the newest copy in the partition wins, and it replaces a
	// target row with a smaller (or NULL) version. Without it the first
	// promoted copy stays, and re-running any partition changes nothing.
	Version string
	// Partition names the source's partition columns, filtered by
	// equality with one placeholder each, in order.
	Partition []string
}

// SQL returns the MERGE statement with one Placeholder per partition column.
//
// Among copies of a key, the one kept is the first by Version descending,
// then by every column descending (NULLs last), so the choice does not
// depend on the order the engine reads the files in: re-running a
// partition yields the same table.
func (m Merge) SQL() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	keyFrom := map[string]string{}
	for _, c := range m.Columns {
		keyFrom[c.Name] = c.from()
	}
	var order []string
	if m.Version != "" {
		order = append(order, quote(keyFrom[m.Version])+" DESC NULLS LAST")
	}
	for _, c := range m.Columns {
		if c.Name != m.Version && !contains(m.Key, c.Name) {
			order = append(order, quote(c.from())+" DESC NULLS LAST")
		}
	}
	var partitionBy, where []string
	for _, k := range m.Key {
		partitionBy = append(partitionBy, quote(keyFrom[k]))
	}
	for _, p := range m.Partition {
		where = append(where, quote(p)+" = "+Placeholder)
	}
	for _, k := range m.Key {
		where = append(where, quote(keyFrom[k])+" IS NOT NULL")
	}
	var selects, names, values, sets, on []string
	for _, c := range m.Columns {
		selects = append(selects, quote(c.from())+" AS "+quote(c.Name))
		names = append(names, quote(c.Name))
		values = append(values, "s."+quote(c.Name))
		if !contains(m.Key, c.Name) {
			sets = append(sets, quote(c.Name)+" = s."+quote(c.Name))
		}
	}
	for _, k := range m.Key {
		on = append(on, "t."+quote(k)+" = s."+quote(k))
	}

	w("MERGE INTO %s AS t\n", m.Target)
	w("USING (\n")
	w("  SELECT %s\n", strings.Join(names, ", "))
	w("  FROM (\n")
	w("    SELECT %s,\n", strings.Join(selects, ", "))
	w("      ROW_NUMBER() OVER (PARTITION BY %s", strings.Join(partitionBy, ", "))
	if len(order) > 0 {
		w(" ORDER BY %s", strings.Join(order, ", "))
	}
	w(") AS %s\n", quote(RankColumn))
	w("    FROM %s\n", m.Source)
	w("    WHERE %s\n", strings.Join(where, "\n      AND "))
	w("  ) AS copies\n")
	w("  WHERE %s = 1\n", quote(RankColumn))
	w(") AS s\n")
	w("ON %s\n", strings.Join(on, " AND "))
	if m.Version != "" && len(sets) > 0 {
		v := quote(m.Version)
		w("WHEN MATCHED AND (t.%s IS NULL OR s.%s > t.%s) THEN\n", v, v, v)
		w("  UPDATE SET %s\n", strings.Join(sets, ", "))
	}
	w("WHEN NOT MATCHED THEN\n")
	w("  INSERT (%s)\n", strings.Join(names, ", "))
	w("  VALUES (%s)\n", strings.Join(values, ", "))
	return b.String()
}

// Fill replaces the placeholders of a statement with values, in order, the
// way States.Format does. It panics if the counts differ.
func Fill(statement string, values ...string) string {
	parts := strings.Split(statement, Placeholder)
	if len(parts) != len(values)+1 {
		panic(fmt.Sprintf("lakesql: %d placeholders, %d values", len(parts)-1, len(values)))
	}
	var b strings.Builder
	for i, p := range parts {
		b.WriteString(p)
		if i < len(values) {
			b.WriteString(values[i])
		}
	}
	return b.String()
}

// PerMinute is the named query that aggregates an events table per minute
// and group column over the last day of events (by the time column).
type PerMinute struct {
	Table Name
	// Time is the timestamp column; Group the column aggregated by
	// (e.g. the event type); Value a numeric column summed, min'd and max'd;
	// Distinct a column whose distinct values are counted (e.g. players).
	Time, Group, Value, Distinct string
}

// SQL returns the query. It reads the last 24 hours before the latest event,
// so it needs no clock function or literal and runs on any engine.
func (q PerMinute) SQL() string {
	t, g, v, d := quote(q.Time), quote(q.Group), quote(q.Value), quote(q.Distinct)
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT date_trunc(%s, %s) AS \"minute\", %s,\n", "'minute'", t, g)
	fmt.Fprintf(&b, "  COUNT(*) AS \"events\", SUM(%s) AS \"value_sum\", MIN(%s) AS \"value_min\", MAX(%s) AS \"value_max\",\n", v, v, v)
	fmt.Fprintf(&b, "  COUNT(DISTINCT %s) AS \"distinct_%s\"\n", d, q.Distinct)
	fmt.Fprintf(&b, "FROM %s\n", q.Table)
	fmt.Fprintf(&b, "WHERE %s > (SELECT MAX(%s) FROM %s) - INTERVAL '1' DAY\n", t, t, q.Table)
	fmt.Fprintf(&b, "GROUP BY 1, 2\n")
	fmt.Fprintf(&b, "ORDER BY 1 DESC, 2\n")
	return b.String()
}

func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OneLine folds a statement onto one line (each line break and the
// indentation after it becomes one space), the form the state machine
// definition carries.
func OneLine(statement string) string {
	lines := strings.Split(strings.TrimSpace(statement), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}
