package hpccluster

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestCatalogIsWellFormed(t *testing.T) {
	cat := Catalog()
	if n := len(cat); n < 100 || n > 160 {
		t.Errorf("catalog has %d rows, want 100..160", n)
	}
	seen := map[string]bool{}
	for i, it := range cat {
		if seen[it.Name] {
			t.Errorf("%s appears twice", it.Name)
		}
		seen[it.Name] = true
		if it.Family() == "" || it.Size() == "" {
			t.Errorf("%q is not family.size", it.Name)
		}
		if it.VCPUs <= 0 || it.MemoryGiB <= 0 || it.OnDemandPrice < 0 || it.SpotPrice < 0 || it.GPUs < 0 {
			t.Errorf("%s: non-positive figure in %+v", it.Name, it)
		}
		// Every figure carries its source and date; a row without a price
		// carries no price source either.
		for _, f := range []struct {
			what         string
			has          bool
			source, asOf string
		}{
			{"On-Demand price", it.Priced(), it.OnDemandSource, it.OnDemandAsOf},
			{"Spot price", it.SpotPriced(), it.SpotSource, it.SpotAsOf},
			{"Advisor figures", it.AdvisorSavings > 0, it.AdvisorSource, it.AdvisorAsOf},
		} {
			if f.has != (f.source != "" && f.asOf != "") || (f.has && !strings.Contains(f.source, "aws.amazon.com") && !strings.Contains(f.source, "https://")) {
				t.Errorf("%s: %s present %v with source %q as of %q: want a source with its address and a date exactly when present", it.Name, f.what, f.has, f.source, f.asOf)
			}
		}
		if it.SpotPriced() && !it.Priced() {
			t.Errorf("%s: a Spot price without an On-Demand price", it.Name)
		}
		if it.Arch != ArchARM64 && it.Arch != ArchX86_64 {
			t.Errorf("%s: architecture %q", it.Name, it.Arch)
		}
		if it.SpotPriced() && it.SpotPrice >= it.OnDemandPrice {
			t.Errorf("%s: Spot %v is not below On-Demand %v", it.Name, it.SpotPrice, it.OnDemandPrice)
		}
		// Every Spot row carries the Advisor's figures; the others none.
		if it.SpotAvailable() && (it.AdvisorSavings <= 0 || it.AdvisorSavings >= 100 || it.Interruptions < InterruptionsUnder5 || it.Interruptions > InterruptionsOver20) {
			t.Errorf("%s: Advisor savings %d%%, interruption band %d: want 1..99 and 0..4", it.Name, it.AdvisorSavings, it.Interruptions)
		}
		if !it.Priced() {
			t.Errorf("%s: no On-Demand price", it.Name)
		}
		// The GPU and Graviton4 rows' On-Demand prices are the later reading.
		if round2 := it.AdvisorAsOf == Round2AsOf; round2 != (it.OnDemandAsOf == Round2OnDemandAsOf) {
			t.Errorf("%s: Advisor figures as of %s but On-Demand price as of %s", it.Name, it.AdvisorAsOf, it.OnDemandAsOf)
		}
		if it.GPU() != slices.Contains([]string{"g4dn", "g5", "g6", "g6e", "p4d", "p5"}, it.Family()) {
			t.Errorf("%s: GPUs %d", it.Name, it.GPUs)
		}
		if !it.SpotAvailable() && (it.AdvisorSavings != 0 || it.Interruptions != 0 || !strings.HasPrefix(it.Name, "hpc")) {
			t.Errorf("%s: no Spot price but Advisor figures %d%%, band %d (only HPC types lack Spot)", it.Name, it.AdvisorSavings, it.Interruptions)
		}
		if i > 0 {
			prev := cat[i-1]
			if prev.Family() > it.Family() || (prev.Family() == it.Family() && prev.VCPUs >= it.VCPUs) {
				t.Errorf("catalog not sorted by family then vCPUs: %s before %s", prev.Name, it.Name)
			}
		}
	}
	// On-Demand prices within a family scale with size (AWS prices sizes linearly),
	// except HPC families, priced per instance, and GPU families, whose
	// sizes differ in GPUs, GPU memory and local storage as well as vCPUs.
	for _, it := range cat {
		if strings.HasPrefix(it.Name, "hpc") || it.GPU() || !it.Priced() {
			continue
		}
		first := cat[slices.IndexFunc(cat, func(o InstanceType) bool { return o.Family() == it.Family() })]
		if d := it.OnDemandPerVCPU() - first.OnDemandPerVCPU(); math.Abs(d) > 1e-9 {
			t.Errorf("%s: On-Demand per vCPU %v differs from %s's %v", it.Name, it.OnDemandPerVCPU(), first.Name, first.OnDemandPerVCPU())
		}
	}
	// Catalog returns a copy.
	cat[0].OnDemandPrice = 1e6
	if Catalog()[0].OnDemandPrice == 1e6 {
		t.Error("Catalog exposes the catalog itself, want a copy")
	}
	if PriceRegion != "us-east-1" || OnDemandPricesAsOf == "" || OnDemandPriceSource == "" || SpotPriceSource == "" || EFASource == "" ||
		SpotPricesAsOf != "2026-08-10T06:54:02Z" || !strings.Contains(SpotPriceSource, SpotPriceURL) || SpotAdvisorURL == "" {
		t.Error("the catalog's provenance variables must be set")
	}
}

func TestInterruptionBandString(t *testing.T) {
	for b, want := range map[InterruptionBand]string{
		InterruptionsUnder5: "<5%", Interruptions5To10: "5-10%", Interruptions10To15: "10-15%",
		Interruptions15To20: "15-20%", InterruptionsOver20: ">20%", 5: "InterruptionBand(5)", -1: "InterruptionBand(-1)",
	} {
		if got := b.String(); got != want {
			t.Errorf("InterruptionBand(%d).String() = %q, want %q", int(b), got, want)
		}
	}
}

func TestLookupInstance(t *testing.T) {
	tests := []struct {
		name     string
		ok       bool
		vcpus    int
		memory   float64
		arch     Arch
		efa      bool
		onDemand float64
		spot     float64 // the Spot pricing page's figure at SpotPricesAsOf; 0: no Spot
		band     InterruptionBand
	}{
		{"c7g.16xlarge", true, 64, 128, ArchARM64, true, 2.32, 0.5421, Interruptions5To10},
		{"c7g.4xlarge", true, 16, 32, ArchARM64, false, 0.58, 0.194, InterruptionsUnder5},
		{"c5n.18xlarge", true, 72, 192, ArchX86_64, true, 3.888, 1.2942, Interruptions10To15},
		{"c5.18xlarge", true, 72, 144, ArchX86_64, false, 3.06, 1.0385, Interruptions15To20},
		{"c6gn.16xlarge", true, 64, 128, ArchARM64, true, 2.7648, 0.5406, Interruptions5To10},
		{"c6gn.8xlarge", true, 32, 64, ArchARM64, false, 1.3824, 0.4216, Interruptions5To10},
		{"c6in.32xlarge", true, 128, 256, ArchX86_64, true, 7.2576, 1.7169, InterruptionsOver20},
		{"c6i.32xlarge", true, 128, 256, ArchX86_64, true, 5.44, 1.6465, InterruptionsOver20},
		{"c6i.16xlarge", true, 64, 128, ArchX86_64, false, 2.72, 0.9281, InterruptionsOver20},
		{"c7gn.16xlarge", true, 64, 128, ArchARM64, true, 3.9936, 0.6887, InterruptionsUnder5},
		{"c7i.48xlarge", true, 192, 384, ArchX86_64, true, 8.568, 2.7418, Interruptions5To10},
		{"c7i.24xlarge", true, 96, 192, ArchX86_64, false, 4.284, 1.3191, InterruptionsOver20},
		{"m6i.32xlarge", true, 128, 512, ArchX86_64, true, 6.144, 1.8142, InterruptionsOver20},
		{"m7g.16xlarge", true, 64, 256, ArchARM64, true, 2.6112, 0.92, InterruptionsUnder5},
		{"m5.24xlarge", true, 96, 384, ArchX86_64, false, 4.608, 1.2782, InterruptionsOver20},
		{"r7g.16xlarge", true, 64, 512, ArchARM64, true, 3.4272, 0.8116, Interruptions10To15},
		{"hpc7g.16xlarge", true, 64, 128, ArchARM64, true, 1.6832, 0, 0},
		{"hpc7g.4xlarge", true, 16, 128, ArchARM64, true, 1.6832, 0, 0},
		{"hpc6a.48xlarge", true, 96, 384, ArchX86_64, true, 2.88, 0, 0},
		{"hpc6id.32xlarge", true, 64, 1024, ArchX86_64, true, 5.70, 0, 0},
		{"  C7G.16XLARGE ", true, 64, 128, ArchARM64, true, 2.32, 0.5421, Interruptions5To10},
		{"c7g.huge", false, 0, 0, "", false, 0, 0, 0},
		{"x9z.large", false, 0, 0, "", false, 0, 0, 0},
		{"c7g", false, 0, 0, "", false, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := LookupInstance(tt.name)
			if ok != tt.ok {
				t.Fatalf("LookupInstance(%q) ok = %v, want %v", tt.name, ok, tt.ok)
			}
			if !ok {
				return
			}
			if got.VCPUs != tt.vcpus || got.MemoryGiB != tt.memory || got.Arch != tt.arch || got.EFA != tt.efa ||
				got.OnDemandPrice != tt.onDemand || got.SpotPrice != tt.spot || got.SpotAvailable() != (tt.spot > 0) || got.Interruptions != tt.band {
				t.Errorf("LookupInstance(%q) = %+v, want vCPUs %d, %v GiB, %s, EFA %v, $%v On-Demand, $%v Spot, interruptions %s",
					tt.name, got, tt.vcpus, tt.memory, tt.arch, tt.efa, tt.onDemand, tt.spot, tt.band)
			}
		})
	}
}

func TestArchitectureByFamily(t *testing.T) {
	// Graviton families carry a "g" after the generation digit; hpc6a, hpc6id,
	// c*i and m5 are x86_64.
	arm := []string{"c6g", "c6gn", "c7g", "c7gn", "m6g", "m7g", "r7g", "hpc7g", "c8g", "m8g", "r8g"}
	x86 := []string{"c5", "c5n", "c6i", "c6in", "c7i", "m5", "m6i", "m7i", "r6i", "hpc6a", "hpc6id", "g4dn", "g5", "g6", "g6e", "p4d", "p5"}
	for _, want := range []struct {
		arch     Arch
		families []string
	}{{ArchARM64, arm}, {ArchX86_64, x86}} {
		types, err := ExpandInstanceTypes(want.families)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range types {
			if it.Arch != want.arch {
				t.Errorf("%s: architecture %s, want %s", it.Name, it.Arch, want.arch)
			}
			// The rule ParseInstanceType applies to families outside the
			// catalog agrees with every catalog row.
			if got := archOf(it.Family()); got != it.Arch {
				t.Errorf("archOf(%s) = %s, the catalog says %s", it.Family(), got, it.Arch)
			}
		}
	}
	if got, want := len(arm)+len(x86), len(Families()); got != want {
		t.Errorf("the test classifies %d families, the catalog has %d: %v", got, want, Families())
	}
}

func TestEFATypes(t *testing.T) {
	var got []string
	for _, it := range Catalog() {
		if it.EFA {
			got = append(got, it.Name)
		}
	}
	want := []string{
		"c5n.9xlarge", "c5n.18xlarge", "c6gn.16xlarge", "c6i.32xlarge", "c6in.32xlarge",
		"c7g.16xlarge", "c7gn.16xlarge", "c7i.48xlarge", "c8g.24xlarge", "c8g.48xlarge",
		"g4dn.8xlarge", "g4dn.12xlarge", "g4dn.16xlarge", "g5.8xlarge", "g5.12xlarge", "g5.16xlarge", "g5.24xlarge", "g5.48xlarge",
		"g6.8xlarge", "g6.12xlarge", "g6.16xlarge", "g6.24xlarge", "g6.48xlarge",
		"g6e.8xlarge", "g6e.12xlarge", "g6e.16xlarge", "g6e.24xlarge", "g6e.48xlarge",
		"hpc6a.48xlarge", "hpc6id.32xlarge",
		"hpc7g.4xlarge", "hpc7g.8xlarge", "hpc7g.16xlarge", "m6i.32xlarge", "m7g.16xlarge",
		"m7i.48xlarge", "m8g.24xlarge", "m8g.48xlarge", "p4d.24xlarge", "p5.48xlarge", "r6i.32xlarge", "r7g.16xlarge", "r8g.24xlarge", "r8g.48xlarge",
	}
	if !slices.Equal(got, want) {
		t.Errorf("EFA types = %v\nwant %v", got, want)
	}
}

func TestExpandInstanceTypes(t *testing.T) {
	names := func(ts []InstanceType) []string {
		var out []string
		for _, it := range ts {
			out = append(out, it.Name)
		}
		return out
	}
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"one type", []string{"c7g.4xlarge"}, []string{"c7g.4xlarge"}},
		{"family", []string{"c7g"}, []string{"c7g.xlarge", "c7g.2xlarge", "c7g.4xlarge", "c7g.8xlarge", "c7g.16xlarge"}},
		{"family with a prefix sibling", []string{"c7gn"}, []string{"c7gn.8xlarge", "c7gn.16xlarge"}},
		{"family and type, deduplicated in order", []string{"hpc7g.16xlarge", "hpc7g", "C5N"}, []string{"hpc7g.16xlarge", "hpc7g.4xlarge", "hpc7g.8xlarge", "c5n.9xlarge", "c5n.18xlarge"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandInstanceTypes(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), tt.want) {
				t.Errorf("ExpandInstanceTypes(%q) = %v, want %v", tt.in, names(got), tt.want)
			}
		})
	}
}

func TestExpandInstanceTypesErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nothing", nil, []string{"no instance types given"}},
		{"not a size", []string{"c7g.huge"}, []string{`instance type "c7g.huge": size "huge" is not an EC2 size`}},
		{"not a family", []string{"c.large"}, []string{`instance type "c.large": family "c" is not the shape of an EC2 family`}},
		{"neither family nor type", []string{"p5x.y.z", "gpu"}, []string{`size "y.z" is not an EC2 size`, `"gpu" is not the shape of an EC2 instance family`}},
		{"batch alias", []string{"optimal"}, []string{`"optimal" is an AWS Batch alias`}},
		{"empty name", []string{" "}, []string{"empty instance type name"}},
		{"every error reported", []string{"c7g", "bogus.large", "c6g", "nope"}, []string{`"bogus.large"`, `"nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandInstanceTypes(tt.in)
			if err == nil {
				t.Fatalf("ExpandInstanceTypes(%q) = %d types, want an error", tt.in, len(got))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestInstanceTypesOutsideTheCatalog(t *testing.T) {
	tests := []struct {
		in   string
		arch Arch
		gpu  bool
	}{
		{"x2iedn.8xlarge", ArchX86_64, false},
		{"im4gn.4xlarge", ArchARM64, false},
		{"is4gen.2xlarge", ArchARM64, false},
		{"g5g.4xlarge", ArchARM64, true},
		{"gr6.4xlarge", ArchX86_64, true},
		{"p5en.48xlarge", ArchX86_64, true},
		{"g4ad.4xlarge", ArchX86_64, false}, // AMD GPUs: not for the NVIDIA image
		{"m7i-flex.2xlarge", ArchX86_64, false},
		{"c8g.metal-24xl", ArchARM64, false},
		{"c7g.12xlarge", ArchARM64, false}, // a size the catalog lacks
		{"a1.4xlarge", ArchARM64, false},
	}
	for _, tt := range tests {
		got, err := ParseInstanceType(tt.in)
		if err != nil {
			t.Errorf("ParseInstanceType(%q): %v", tt.in, err)
			continue
		}
		if got.Known() || got.Priced() || got.Arch != tt.arch || got.GPU() != tt.gpu || got.Name != tt.in || !got.SpotAvailable() {
			t.Errorf("ParseInstanceType(%q) = %+v (GPU %v), want unknown, %s, GPU %v", tt.in, got, got.GPU(), tt.arch, tt.gpu)
		}
	}
	if got, err := ParseInstanceType(" G5.XLARGE "); err != nil || !got.Known() || got.GPUs != 1 {
		t.Errorf("ParseInstanceType of a catalog row = %+v, %v", got, err)
	}
	types, err := ExpandInstanceTypes([]string{"g6f", "c7g.12xlarge", "c8g"})
	if err != nil || len(types) != 9 || types[0].Name != "g6f" || types[0].Known() || !types[0].GPU() {
		t.Errorf("ExpandInstanceTypes = %v, %v: want the unknown family kept, then the type, then c8g's 7 sizes", types, err)
	}
}

func TestCatalogDatesNameEverySource(t *testing.T) {
	got := strings.Join(CatalogDates(), "\n")
	for _, want := range []string{OnDemandPricesAsOf, SpotPricesAsOf, Round2AsOf, Round2OnDemandAsOf, SpotPriceURL, SpotAdvisorURL, Round2AdvisorCommit, Round2OnDemandCommit, "aws.amazon.com/ec2/pricing/on-demand"} {
		if !strings.Contains(got, want) {
			t.Errorf("CatalogDates lacks %q:\n%s", want, got)
		}
	}
}
