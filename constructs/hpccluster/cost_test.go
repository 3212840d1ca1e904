package hpccluster

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestEstimateHourlyCostHandComputed(t *testing.T) {
	tests := []struct {
		name         string
		types        []string
		vcpus        int
		spot, od     float64
		savings      float64
		cheapest     string
		cheapestCost float64
		noSpot       []string
	}{
		{
			// c7g.16xlarge: 64 vCPUs, $2.32 On-Demand, $0.928 Spot.
			// Spot: 0.928/64 = 0.0145 $/vCPU-h; x 256 = 3.712 $/h.
			// On-Demand: 2.32/64 = 0.03625 $/vCPU-h; x 256 = 9.28 $/h.
			// Savings: 1 - 3.712/9.28 = 0.60 -> 60%.
			name: "one type", types: []string{"c7g.16xlarge"}, vcpus: 256,
			spot: 3.712, od: 9.28, savings: 60, cheapest: "c7g.16xlarge", cheapestCost: 3.712,
		},
		{
			// c6g.16xlarge: 64 vCPUs, $2.176 On-Demand, $0.7834 Spot.
			// m6g.16xlarge: 64 vCPUs, $2.464 On-Demand, $0.8378 Spot.
			// Spot per vCPU: 0.7834/64 = 0.012240625 and 0.8378/64 = 0.013090625;
			//   mean 0.012665625; x 128 = 1.6212 $/h.
			// On-Demand per vCPU: 0.034 and 0.0385; mean 0.03625; x 128 = 4.64 $/h.
			// Savings: 1 - 1.6212/4.64 = 0.650603448... -> 65.0603%.
			// Best case, all c6g.16xlarge: 0.012240625 x 128 = 1.5668 $/h.
			name: "two families' largest sizes", types: []string{"c6g.16xlarge", "m6g.16xlarge"}, vcpus: 128,
			spot: 1.6212, od: 4.64, savings: 65.06034482758621, cheapest: "c6g.16xlarge", cheapestCost: 1.5668,
		},
		{
			// hpc7g.16xlarge has no Spot and is left out.
			// c5n.18xlarge: 72 vCPUs, $3.888 On-Demand, $1.3997 Spot.
			// Spot: 1.3997/72 = 0.019440277... $/vCPU-h; x 144 = 2.7994 $/h.
			// On-Demand: 3.888/72 = 0.054; x 144 = 7.776 $/h.
			// Savings: 1 - 2.7994/7.776 = 0.639994855... -> 63.9995%.
			name: "HPC type without Spot", types: []string{"c5n.18xlarge", "hpc7g.16xlarge"}, vcpus: 144,
			spot: 2.7994, od: 7.776, savings: 63.99948559670782, cheapest: "c5n.18xlarge", cheapestCost: 2.7994,
			noSpot: []string{"hpc7g.16xlarge"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := EstimateHourlyCost(tt.types, tt.vcpus)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, got, want float64) {
				t.Helper()
				if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("%s = %.10f, want %.10f", what, got, want)
				}
			}
			check("SpotPerHour", e.SpotPerHour, tt.spot)
			check("OnDemandPerHour", e.OnDemandPerHour, tt.od)
			check("SavingsPercent", e.SavingsPercent, tt.savings)
			check("CheapestSpotPerHour", e.CheapestSpotPerHour, tt.cheapestCost)
			if e.CheapestSpot.Name != tt.cheapest {
				t.Errorf("CheapestSpot = %s, want %s", e.CheapestSpot.Name, tt.cheapest)
			}
			if !slices.Equal(e.NoSpot, tt.noSpot) {
				t.Errorf("NoSpot = %v, want %v", e.NoSpot, tt.noSpot)
			}
			if e.VCPUs != tt.vcpus || e.Assumption != CostAssumption {
				t.Errorf("VCPUs = %d, Assumption = %q", e.VCPUs, e.Assumption)
			}
		})
	}
}

func TestEstimateHourlyCostDefaultList(t *testing.T) {
	// The Graviton and Intel compute/general-purpose families an HPCCluster
	// lists by default, at 256 vCPUs.
	e, err := EstimateHourlyCost([]string{"c7g", "c6g", "c7i", "c6i", "m7g", "m6g"}, 256)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.InstanceTypes) != 5+5+7+6+5+5 {
		t.Errorf("%d instance types, want 33", len(e.InstanceTypes))
	}
	// Every family carries one discount, so the mean Spot price per vCPU is
	// the mean over families weighted by their number of sizes; the savings
	// follow from the catalog and are recomputed here independently.
	var spot, od float64
	for _, it := range e.InstanceTypes {
		spot += it.SpotPrice / float64(it.VCPUs)
		od += it.OnDemandPrice / float64(it.VCPUs)
	}
	want := 100 * (1 - spot/od)
	if math.Abs(e.SavingsPercent-want) > 1e-9 {
		t.Errorf("SavingsPercent = %v, want %v", e.SavingsPercent, want)
	}
	// With the catalog's representative us-east-1 Spot figures these families
	// save about 61% against On-Demand; the best case (all capacity in the
	// cheapest pool, c6g) about 69% against the same mix.
	if e.SavingsPercent < 55 || e.SavingsPercent > 90 {
		t.Errorf("SavingsPercent = %.1f, want 55..90 for Spot against On-Demand", e.SavingsPercent)
	}
	if e.CheapestSpotPerHour > e.SpotPerHour || e.SpotPerHour >= e.OnDemandPerHour {
		t.Errorf("want best case %.2f <= expected Spot %.2f < On-Demand %.2f", e.CheapestSpotPerHour, e.SpotPerHour, e.OnDemandPerHour)
	}
	if e.CheapestSpot.Family() != "c6g" {
		t.Errorf("cheapest Spot pool %s, want a c6g size", e.CheapestSpot.Name)
	}
}

func TestEstimateHourlyCostErrors(t *testing.T) {
	tests := []struct {
		name  string
		types []string
		vcpus int
		want  string
	}{
		{"zero vCPUs", []string{"c7g"}, 0, "maximum vCPUs must be positive, got 0"},
		{"unknown type", []string{"c7g", "c9x.large"}, 256, `unknown instance type "c9x.large"`},
		{"no Spot at all", []string{"hpc7g", "hpc6a"}, 256, "none of the instance types hpc7g.4xlarge, hpc7g.8xlarge, hpc7g.16xlarge, hpc6a.48xlarge is offered as Spot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EstimateHourlyCost(tt.types, tt.vcpus)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestCostEstimateString(t *testing.T) {
	e, err := EstimateHourlyCost([]string{"c6g.16xlarge", "m6g.16xlarge", "hpc7g.16xlarge"}, 128)
	if err != nil {
		t.Fatal(err)
	}
	s := e.String()
	for _, want := range []string{
		"| 128 vCPUs, us-east-1 Linux | USD per hour |",
		"| Spot (expected) | 1.62 |",
		"| Spot (all in c6g.16xlarge) | 1.57 |",
		"| On-Demand | 4.64 |",
		"| Savings | 65% |",
		"| c6g.16xlarge | 64 | 128 | arm64 |  | 2.1760 | 0.7834 | 0.01224 |",
		"| hpc7g.16xlarge | 64 | 128 | arm64 | yes | 1.6832 | n/a | n/a |",
		"Not offered as Spot, left out: hpc7g.16xlarge.",
		"as of " + PricesAsOf,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
}

func ExampleEstimateHourlyCost() {
	e, err := EstimateHourlyCost([]string{"c7g", "c6g", "c7i", "c6i", "m7g", "m6g"}, 256)
	if err != nil {
		panic(err)
	}
	fmt.Printf("Spot $%.2f/h (best case $%.2f/h in %s), On-Demand $%.2f/h, savings %.0f%%\n",
		e.SpotPerHour, e.CheapestSpotPerHour, e.CheapestSpot.Name, e.OnDemandPerHour, e.SavingsPercent)
	// Output: Spot $3.96/h (best case $3.13/h in c6g.2xlarge), On-Demand $10.20/h, savings 61%
}
