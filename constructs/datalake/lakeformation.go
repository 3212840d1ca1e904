package datalake

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslakeformation"
	"github.com/aws/jsii-runtime-go"
)

// glueArn is the ARN of a Glue catalog resource of the lake's account.
func (d *DataLake) glueArn(resource string) string {
	st := d.stack()
	return fmt.Sprintf("arn:%s:glue:%s:%s:%s", *st.Partition(), *st.Region(), *st.Account(), resource)
}

// table returns a declared raw or Iceberg table, panicking if there is none.
func (d *DataLake) table(name string) awsglue.CfnTable {
	if t, ok := d.Tables[name]; ok {
		return t
	}
	if t, ok := d.RawTables[name]; ok {
		return t
	}
	var names []string
	for n := range d.RawTables {
		names = append(names, n)
	}
	for n := range d.Tables {
		names = append(names, n)
	}
	panic(fmt.Sprintf("datalake %q: no table %q (declared: %s)", *d.Node().Path(), name, strings.Join(names, ", ")))
}

// principalArn returns the ARN Lake Formation knows grantee by: the one
// AWS principal (a role or user) its policy fragment names.
func (d *DataLake) principalArn(grantee awsiam.IGrantable) *string {
	json := grantee.GrantPrincipal().PolicyFragment().PrincipalJson()
	var arns []*string
	if json != nil {
		if aws := (*json)["AWS"]; aws != nil {
			arns = *aws
		}
	}
	if len(arns) != 1 {
		panic(fmt.Sprintf("datalake %q: Lake Formation grants need an IAM role or user; the grantee names %d AWS principals", *d.Node().Path(), len(arns)))
	}
	return arns[0]
}

func (d *DataLake) newLFGrant(id string, principal *string, resource *awslakeformation.CfnPrincipalPermissions_ResourceProperty, perms []string) awslakeformation.CfnPrincipalPermissions {
	g := awslakeformation.NewCfnPrincipalPermissions(d.Construct, jsii.String(id), &awslakeformation.CfnPrincipalPermissionsProps{
		Principal:                  &awslakeformation.CfnPrincipalPermissions_DataLakePrincipalProperty{DataLakePrincipalIdentifier: principal},
		Resource:                   resource,
		Permissions:                jsii.Strings(perms...),
		PermissionsWithGrantOption: jsii.Strings(),
	})
	d.LakeFormationGrants = append(d.LakeFormationGrants, g)
	return g
}

// lfGrant grants perms on one declared table of zone (or, for table "",
// DESCRIBE on the zone's database and perms on all of its tables).
func (d *DataLake) lfGrant(grantee awsiam.IGrantable, id, zone, table string, perms []string) {
	principal := d.principalArn(grantee)
	catalog := d.stack().Account()
	db := d.Databases[zone]
	dbGrant := d.newLFGrant(id+"Database", principal, &awslakeformation.CfnPrincipalPermissions_ResourceProperty{
		Database: &awslakeformation.CfnPrincipalPermissions_DatabaseResourceProperty{CatalogId: catalog, Name: db.Ref()},
	}, []string{"DESCRIBE"})
	tables := &awslakeformation.CfnPrincipalPermissions_TableResourceProperty{CatalogId: catalog, DatabaseName: db.Ref(), TableWildcard: map[string]any{}}
	if table != "" {
		tables = &awslakeformation.CfnPrincipalPermissions_TableResourceProperty{CatalogId: catalog, DatabaseName: db.Ref(), Name: jsii.String(table)}
	}
	tableGrant := d.newLFGrant(id+"Tables", principal, &awslakeformation.CfnPrincipalPermissions_ResourceProperty{Table: tables}, perms)
	for _, g := range []awslakeformation.CfnPrincipalPermissions{dbGrant, tableGrant} {
		for _, r := range d.LakeFormationResources {
			g.Node().AddDependency(r)
		}
	}
	if table != "" {
		tableGrant.Node().AddDependency(d.table(table))
	}
}

// lfLocationGrant lets grantee create catalog entries over zone's objects.
func (d *DataLake) lfLocationGrant(grantee awsiam.IGrantable, zone string) {
	d.lfGrants++
	g := d.newLFGrant(fmt.Sprintf("LakeFormationGrant%dLocation", d.lfGrants), d.principalArn(grantee), &awslakeformation.CfnPrincipalPermissions_ResourceProperty{
		DataLocation: &awslakeformation.CfnPrincipalPermissions_DataLocationResourceProperty{
			CatalogId: d.stack().Account(), ResourceArn: d.Buckets[zone].BucketArn(),
		},
	}, []string{"DATA_LOCATION_ACCESS"})
	if r, ok := d.LakeFormationResources[zone]; ok {
		g.Node().AddDependency(r)
	}
}

// grantLakeFormation is GrantRead's and the table verbs' Lake Formation
// mode: the catalog reads and lakeformation:GetDataAccess in IAM, and the
// permissions in Lake Formation.
func (d *DataLake) grantLakeFormation(zone, table string, grantee awsiam.IGrantable, perms []string, extraGlue ...string) awsiam.Grant {
	name := d.DatabaseNames[zone]
	tables := d.glueArn("table/" + name + "/*")
	if table != "" {
		tables = d.glueArn("table/" + name + "/" + table)
	}
	actions := append([]string{"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"}, extraGlue...)
	g := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: grantee, Actions: jsii.Strings(actions...),
		ResourceArns: jsii.Strings(d.glueArn("catalog"), d.glueArn("database/"+name), tables),
	})
	g = g.Combine(awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: grantee, Actions: jsii.Strings("lakeformation:GetDataAccess"), ResourceArns: jsii.Strings("*"),
	}))
	d.lfGrants++
	d.lfGrant(grantee, fmt.Sprintf("LakeFormationGrant%d", d.lfGrants), zone, table, perms)
	return g
}

// tableZoneOf returns the zone and S3 prefix of a declared table.
func (d *DataLake) tableZoneOf(name string) (zone, prefix string) {
	d.table(name) // panics for an unknown table
	for _, r := range d.cfg.RawTables {
		if r.Name == name {
			return r.Zone, r.Prefix
		}
	}
	for _, t := range d.cfg.Tables {
		if t.Name == name {
			return t.Zone, IcebergPrefix + t.Name + "/"
		}
	}
	return "", ""
}

// GrantTableRead lets grantee read one declared table (a RawTables or
// Tables name) through Athena: the table's catalog entry, and its objects
// and the lake key, or in Lake Formation mode SELECT and DESCRIBE on the
// table in Lake Formation. Querying takes GrantQuery as well. It panics if
// the lake declares no such table.
func (d *DataLake) GrantTableRead(table string, grantee awsiam.IGrantable) awsiam.Grant {
	zone, prefix := d.tableZoneOf(table)
	if d.lakeFormationMode {
		return d.grantLakeFormation(zone, table, grantee, []string{"SELECT", "DESCRIBE"})
	}
	return d.grantTableIAM(zone, table, prefix, grantee, false)
}

// GrantTableWrite lets grantee write one declared table through Athena
// (INSERT, MERGE, DELETE, and the Iceberg commits that update its catalog
// entry): its objects and the lake key, or in Lake Formation mode SELECT,
// INSERT, DELETE, ALTER and DESCRIBE on the table in Lake Formation. It
// panics if the lake declares no such table.
func (d *DataLake) GrantTableWrite(table string, grantee awsiam.IGrantable) awsiam.Grant {
	zone, prefix := d.tableZoneOf(table)
	if d.lakeFormationMode {
		return d.grantLakeFormation(zone, table, grantee, []string{"SELECT", "INSERT", "DELETE", "ALTER", "DESCRIBE"}, "glue:UpdateTable")
	}
	return d.grantTableIAM(zone, table, prefix, grantee, true)
}

func (d *DataLake) grantTableIAM(zone, table, prefix string, grantee awsiam.IGrantable, write bool) awsiam.Grant {
	b := d.bucket(zone)
	name := d.DatabaseNames[zone]
	grant := func(actions []string, resources ...string) awsiam.Grant {
		return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
			Grantee: grantee, Actions: jsii.Strings(actions...), ResourceArns: jsii.Strings(resources...),
		})
	}
	glue := []string{"glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"}
	objects := []string{"s3:GetObject"}
	keyActions := []string{"kms:Decrypt"}
	if write {
		glue = append(glue, "glue:UpdateTable")
		objects = append(objects, "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
		keyActions = append(keyActions, "kms:GenerateDataKey")
	}
	g := grant(glue, d.glueArn("catalog"), d.glueArn("database/"+name), d.glueArn("table/"+name+"/"+table))
	g = g.Combine(grant([]string{"s3:ListBucket", "s3:GetBucketLocation"}, *b.BucketArn()))
	g = g.Combine(grant(objects, *b.ArnForObjects(jsii.String(prefix + "*"))))
	return g.Combine(grant(keyActions, *d.Key.KeyArn()))
}
