package datalake

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/jsii-runtime-go"
)

// Serialization of a raw table's objects, by Format.
var rawSerialization = map[string]struct{ classification, input, output, serde string }{
	"JSON": {"json", "org.apache.hadoop.mapred.TextInputFormat", "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
		"org.apache.hive.hcatalog.data.JsonSerDe"},
	"PARQUET": {"parquet", "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat", "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
		"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
}

// icebergType maps a Column type to Iceberg's name for it.
func icebergType(t string) string {
	switch t {
	case "bigint":
		return "long"
	default:
		return t // string, int, float, double, boolean, date, timestamp, decimal(P,S)
	}
}

func glueColumns(cols []Column) *[]any {
	out := make([]any, 0, len(cols))
	for _, c := range cols {
		col := &awsglue.CfnTable_ColumnProperty{Name: jsii.String(c.Name), Type: jsii.String(c.Type)}
		if c.Comment != "" {
			col.Comment = jsii.String(c.Comment)
		}
		out = append(out, col)
	}
	return &out
}

// location is the s3:// URI of prefix in zone.
func (d *DataLake) location(zone, prefix string) string {
	return "s3://" + *d.Buckets[zone].BucketName() + "/" + prefix
}

// newRawTable declares a Hive table over Firehose's and lakeloader's
// year=/month=/day= layout, with the partitions projected.
func (d *DataLake) newRawTable(r RawTable) awsglue.CfnTable {
	f := rawSerialization[r.Format]
	serde := &awsglue.CfnTable_SerdeInfoProperty{SerializationLibrary: jsii.String(f.serde)}
	if r.Format == "JSON" {
		serde.Parameters = map[string]any{"timestamp.formats": strings.Join(r.TimestampFormats, ",")}
	}
	loc := d.location(r.Zone, r.Prefix)
	params := map[string]any{
		"classification":            f.classification,
		"projection.enabled":        "true",
		"projection.year.type":      "integer",
		"projection.year.range":     "2000,2099",
		"projection.month.type":     "integer",
		"projection.month.range":    "1,12",
		"projection.month.digits":   "2",
		"projection.day.type":       "integer",
		"projection.day.range":      "1,31",
		"projection.day.digits":     "2",
		"storage.location.template": loc + "year=${year}/month=${month}/day=${day}/",
	}
	if r.Format == "JSON" {
		params["compressionType"] = "gzip"
	}
	var parts []any
	for _, p := range partitionColumns {
		parts = append(parts, &awsglue.CfnTable_ColumnProperty{Name: jsii.String(p), Type: jsii.String("int")})
	}
	t := awsglue.NewCfnTable(d.Construct, jsii.String("RawTable"+pascal(strings.ReplaceAll(r.Name, "_", "-"))), &awsglue.CfnTableProps{
		CatalogId:    d.stack().Account(),
		DatabaseName: d.Databases[r.Zone].Ref(),
		TableInput: &awsglue.CfnTable_TableInputProperty{
			Name:          jsii.String(r.Name),
			Description:   jsii.String(fmt.Sprintf("gureum data lake: raw %s records under %s (year=/month=/day=, projected)", strings.ToLower(r.Format), loc)),
			TableType:     jsii.String("EXTERNAL_TABLE"),
			Parameters:    params,
			PartitionKeys: &parts,
			StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
				Columns:      glueColumns(r.Columns),
				Location:     jsii.String(loc),
				InputFormat:  jsii.String(f.input),
				OutputFormat: jsii.String(f.output),
				SerdeInfo:    serde,
			},
		},
	})
	t.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	return t
}

// icebergPartitionName is the partition field's name Iceberg's own
// libraries would give it.
func icebergPartitionName(pf PartitionField) string {
	switch t := pf.Transform; {
	case t == "identity":
		return pf.Column
	case strings.HasPrefix(t, "bucket"):
		return pf.Column + "_bucket"
	case strings.HasPrefix(t, "truncate"):
		return pf.Column + "_trunc"
	default:
		return pf.Column + "_" + t
	}
}

// newIcebergTable declares an Apache Iceberg (v2) table in the Glue Data
// Catalog: Glue writes its first metadata file under the table's location.
// Column IDs follow the declared order from 1; partition field IDs start at
// 1000, as Iceberg's own libraries number them.
func (d *DataLake) newIcebergTable(t Table) awsglue.CfnTable {
	ids := map[string]int{}
	fields := make([]any, 0, len(t.Columns))
	for i, c := range t.Columns {
		ids[c.Name] = i + 1
		f := &awsglue.CfnTable_IcebergStructFieldProperty{
			Id:       jsii.Number(float64(i + 1)),
			Name:     jsii.String(c.Name),
			Type:     jsii.String(icebergType(c.Type)),
			Required: jsii.Bool(contains(t.Key, c.Name)),
		}
		if c.Comment != "" {
			f.Doc = jsii.String(c.Comment)
		}
		fields = append(fields, f)
	}
	identifiers := make([]*float64, 0, len(t.Key))
	for _, k := range t.Key {
		identifiers = append(identifiers, jsii.Number(float64(ids[k])))
	}
	schema := &awsglue.CfnTable_IcebergSchemaProperty{
		Type: jsii.String("struct"), SchemaId: jsii.Number(0), Fields: &fields,
	}
	if len(identifiers) > 0 {
		schema.IdentifierFieldIds = &identifiers
	}
	parts := make([]any, 0, len(t.Partitions))
	for i, pf := range t.Partitions {
		parts = append(parts, &awsglue.CfnTable_IcebergPartitionFieldProperty{
			Name:      jsii.String(icebergPartitionName(pf)),
			SourceId:  jsii.Number(float64(ids[pf.Column])),
			Transform: jsii.String(pf.Transform),
			FieldId:   jsii.Number(float64(1000 + i)),
		})
	}
	loc := d.location(t.Zone, IcebergPrefix+t.Name+"/")
	tbl := awsglue.NewCfnTable(d.Construct, jsii.String("Table"+pascal(strings.ReplaceAll(t.Name, "_", "-"))), &awsglue.CfnTableProps{
		CatalogId:    d.stack().Account(),
		DatabaseName: d.Databases[t.Zone].Ref(),
		TableInput: &awsglue.CfnTable_TableInputProperty{
			Name:        jsii.String(t.Name),
			Description: jsii.String("gureum data lake: Apache Iceberg table at " + loc),
			TableType:   jsii.String("EXTERNAL_TABLE"),
		},
		OpenTableFormatInput: &awsglue.CfnTable_OpenTableFormatInputProperty{
			IcebergInput: &awsglue.CfnTable_IcebergInputProperty{
				MetadataOperation: jsii.String("CREATE"),
				Version:           jsii.String("2"),
				IcebergTableInput: &awsglue.CfnTable_IcebergTableInputProperty{
					Location:      jsii.String(loc),
					Schema:        schema,
					PartitionSpec: &awsglue.CfnTable_IcebergPartitionSpecProperty{SpecId: jsii.Number(0), Fields: &parts},
					Properties: map[string]any{
						"write.format.default":            "parquet",
						"write.parquet.compression-codec": "zstd",
					},
				},
			},
		},
	})
	tbl.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	return tbl
}

// crawlerExclusions keeps a zone's crawler off the error output and the
// prefixes of the tables the lake declares itself.
func crawlerExclusions(c *config, zone string) []string {
	out := []string{"errors/**"}
	iceberg := false
	for _, r := range c.RawTables {
		if r.Zone == zone {
			out = append(out, r.Prefix+"**")
		}
	}
	for _, t := range c.Tables {
		iceberg = iceberg || t.Zone == zone
	}
	if iceberg {
		out = append(out, IcebergPrefix+"**")
	}
	return out
}
