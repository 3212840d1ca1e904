package tests

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/constructs/hpccluster"
	"github.com/gureum-cdk/gureum/internal/assembly"
	"github.com/gureum-cdk/gureum/internal/stackreport"
)

// TestReportCountsEveryNagRow checks gureum report against the cdk-nag CSV
// reports of this package's synthesis: per stack, the compliant,
// non-compliant, suppressed and unknown counts are the CSV's rows with that
// Compliance, read here with encoding/csv, and no row is lost.
func TestReportCountsEveryNagRow(t *testing.T) {
	dir := *cloudAssembly.Directory()
	a, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := stackreport.Build(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range r.Stacks {
		f, err := os.Open(filepath.Join(dir, "AwsSolutions--"+st.Name+"-NagReport.csv"))
		if err != nil {
			t.Errorf("%s: %v", st.Name, err)
			continue
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", st.Name, err)
		}
		want := map[string]int{}
		for _, row := range rows[1:] {
			want[row[2]]++
		}
		got := map[string]int{}
		for _, c := range st.Nag {
			got["Compliant"] += c.Compliant
			got["Non-Compliant"] += c.NonCompliant
			got["Suppressed"] += c.Suppressed
			got["UNKNOWN"] += c.Unknown
		}
		for _, k := range []string{"Compliant", "Non-Compliant", "Suppressed", "UNKNOWN"} {
			if got[k] != want[k] {
				t.Errorf("%s: report counts %d %s rows, the CSV has %d", st.Name, got[k], k, want[k])
			}
		}
		if want["Compliant"] == 0 {
			t.Errorf("%s: the CSV has no Compliant row: is cdk-nag's Verbose report on?", st.Name)
		}
	}
}

// TestReportShowsTheHPCPriceDates: gureum report shows the HPC cluster's
// cost estimate with the dates and sources of the catalog's prices (the
// construct's gureum:cost metadata), so a reader of the report sees how old
// the figures are.
func TestReportShowsTheHPCPriceDates(t *testing.T) {
	a, err := assembly.Load(*cloudAssembly.Directory())
	if err != nil {
		t.Fatal(err)
	}
	r, err := stackreport.Build(a)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := stackreport.WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	hpc := out[strings.Index(out, "Stack GureumHPC "):]
	hpc = hpc[:strings.Index(hpc, "\n\n")]
	for _, want := range []string{
		"GureumHPC/MonteCarlo gureum:cost: ",
		"On-Demand prices: " + hpccluster.OnDemandPricesAsOf + " (" + hpccluster.OnDemandPriceSource + ")",
		"Spot prices and Spot Instance Advisor: " + hpccluster.SpotPricesAsOf,
		hpccluster.Round2AsOf,
		hpccluster.Round2OnDemandAsOf,
		"USD/hour at full size",
	} {
		if !strings.Contains(hpc, want) {
			t.Errorf("gureum report's GureumHPC section lacks %q:\n%s", want, hpc)
		}
	}
}
