package main

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestBuildTable(t *testing.T) {
	db := `{"schema":{"resource":{"entities":[
		{"cloudFormationType":"AWS::DynamoDB::Table","isStateful":true,"properties":{
			"TableName":{"causesReplacement":"yes"},"KeySchema":{"causesReplacement":"yes"},"BillingMode":{}}},
		{"cloudFormationType":"AWS::RDS::DBInstance","isStateful":true,"properties":{"Engine":{"causesReplacement":"maybe"}}},
		{"cloudFormationType":"AWS::SNS::Subscription","properties":{"Endpoint":{}}}
	]}}}`
	path := filepath.Join(t.TempDir(), "db.json.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte(db))
	zw.Close()
	f.Close()

	table, err := buildTable(path, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := table["AWS::DynamoDB::Table"], (entry{Immutable: []string{"KeySchema", "TableName"}, Stateful: true}); !reflect.DeepEqual(got, want) {
		t.Errorf("Table = %+v, want %+v", got, want)
	}
	if got := table["AWS::RDS::DBInstance"]; !reflect.DeepEqual(got.Conditional, []string{"Engine"}) {
		t.Errorf("DBInstance conditional = %v", got.Conditional)
	}
	if _, ok := table["AWS::SNS::Subscription"]; ok {
		t.Error("a type without replacing properties is in the table")
	}
	if !table["AWS::ECR::Repository"].Stateful {
		t.Error("extra stateful type missing")
	}
	if _, err := buildTable(path, 500); err == nil {
		t.Error("a database with too few types was accepted")
	}
}
