package datalake

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/datalake/internal/lakesql"
)

// PerMinute describes an Athena named query that aggregates a declared
// table per minute: events, the sum, minimum and maximum of Value, and the
// distinct values of Distinct, per minute of Time and value of Group, over
// the day before the table's latest Time.
type PerMinute struct {
	// Name of the named query. Required.
	Name string
	// Table is a declared table (Tables or RawTables). Required.
	Table string
	// Time is a timestamp column, Group any column, Value a numeric column
	// and Distinct any column of Table. Required.
	Time, Group, Value, Distinct string
}

// AddPerMinuteQuery saves q as a named query in the lake's workgroup and
// returns it. It panics, naming the problem, if the table or a column is
// not declared.
func (d *DataLake) AddPerMinuteQuery(id string, q PerMinute) awsathena.CfnNamedQuery {
	zone, _ := d.tableZoneOf(q.Table)
	var cols []Column
	for _, r := range d.cfg.RawTables {
		if r.Name == q.Table {
			cols = r.Columns
		}
	}
	for _, t := range d.cfg.Tables {
		if t.Name == q.Table {
			cols = t.Columns
		}
	}
	types := map[string]string{}
	for _, c := range cols {
		types[c.Name] = c.Type
	}
	check := func(role, col string, ok func(string) bool) {
		if t, found := types[col]; !found || !ok(t) {
			panic(fmt.Sprintf("datalake %q: per-minute query %q: %s column %q is not a fitting column of %s", *d.Node().Path(), q.Name, role, col, q.Table))
		}
	}
	any := func(string) bool { return true }
	check("Time", q.Time, func(t string) bool { return t == "timestamp" })
	check("Group", q.Group, any)
	check("Value", q.Value, func(t string) bool {
		return t == "int" || t == "bigint" || t == "float" || t == "double" || len(t) > 7 && t[:7] == "decimal"
	})
	check("Distinct", q.Distinct, any)
	sql := lakesql.PerMinute{
		Table: lakesql.Name{Database: d.DatabaseNames[zone], Table: q.Table},
		Time:  q.Time, Group: q.Group, Value: q.Value, Distinct: q.Distinct,
	}.SQL()
	return awsathena.NewCfnNamedQuery(d.Construct, jsii.String(id), &awsathena.CfnNamedQueryProps{
		Name:        jsii.String(q.Name),
		Description: jsii.String(fmt.Sprintf("Per minute and %s over the last day of %s: events, %s sum/min/max, distinct %s", q.Group, q.Table, q.Value, q.Distinct)),
		Database:    jsii.String(d.DatabaseNames[zone]),
		WorkGroup:   d.WorkGroup.Ref(),
		QueryString: jsii.String(sql),
	})
}
