package hpccluster

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Provenance of the rows added with the GPU (g4dn, g5, g6, g6e, p4d, p5) and
// Graviton4 (c8g, m8g, r8g) families. Their vCPUs and memory, and the Spot
// Instance Advisor's savings and interruption band (us-east-1, Linux), are
// the Advisor feed's (SpotAdvisorURL, whose instance_types section gives
// each type's cores and memory) as vendored by github.com/alexei-led/spotinfo
// at commit Round2AdvisorCommit (internal/spot/data/spot-advisor-data.json),
// committed at Round2AsOf. GPU counts are the Amazon EC2 accelerated
// computing instance specifications' (docs.aws.amazon.com/ec2/latest/
// instancetypes/ac.html); EFA support the EFA chapter's list (EFASource).
//
// The catalog holds no price for these rows: no On-Demand or Spot price of
// them was read from the pricing pages for this catalog, and a figure
// without a source and a date is not quoted. EstimateHourlyCost lists them
// as "no price for ..."; add a price (with OnDemandSource and OnDemandAsOf)
// when one is read from the On-Demand pricing page.
var (
	Round2AdvisorCommit = "5eedf20a99614443af215f4aaf09bd10805cac72"
	Round2AsOf          = "2025-06-28T10:10:57Z"
	Round2Source        = "Spot Instance Advisor feed (" + SpotAdvisorURL + "), us-east-1, Linux, as vendored by github.com/alexei-led/spotinfo commit " + Round2AdvisorCommit
)

// round2 are the GPU and Graviton4 rows (see Round2Source), merged into the
// catalog at initialisation.
var round2 = []InstanceType{
	{Name: "g4dn.xlarge", VCPUs: 4, MemoryGiB: 16, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 64, Interruptions: 3},
	{Name: "g4dn.2xlarge", VCPUs: 8, MemoryGiB: 32, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 61, Interruptions: 4},
	{Name: "g4dn.4xlarge", VCPUs: 16, MemoryGiB: 64, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 68, Interruptions: 4},
	{Name: "g4dn.8xlarge", VCPUs: 32, MemoryGiB: 128, GPUs: 1, Arch: ArchX86_64, EFA: true, AdvisorSavings: 63, Interruptions: 4},
	{Name: "g4dn.12xlarge", VCPUs: 48, MemoryGiB: 192, GPUs: 4, Arch: ArchX86_64, EFA: true, AdvisorSavings: 64, Interruptions: 2},
	{Name: "g4dn.16xlarge", VCPUs: 64, MemoryGiB: 256, GPUs: 1, Arch: ArchX86_64, EFA: true, AdvisorSavings: 76, Interruptions: 4},
	{Name: "g5.xlarge", VCPUs: 4, MemoryGiB: 16, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 59, Interruptions: 4},
	{Name: "g5.2xlarge", VCPUs: 8, MemoryGiB: 32, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 58, Interruptions: 3},
	{Name: "g5.4xlarge", VCPUs: 16, MemoryGiB: 64, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 60, Interruptions: 2},
	{Name: "g5.8xlarge", VCPUs: 32, MemoryGiB: 128, GPUs: 1, Arch: ArchX86_64, EFA: true, AdvisorSavings: 59, Interruptions: 4},
	{Name: "g5.12xlarge", VCPUs: 48, MemoryGiB: 192, GPUs: 4, Arch: ArchX86_64, EFA: true, AdvisorSavings: 58, Interruptions: 4},
	{Name: "g5.16xlarge", VCPUs: 64, MemoryGiB: 256, GPUs: 1, Arch: ArchX86_64, EFA: true, AdvisorSavings: 61, Interruptions: 4},
	{Name: "g5.24xlarge", VCPUs: 96, MemoryGiB: 384, GPUs: 4, Arch: ArchX86_64, EFA: true, AdvisorSavings: 57, Interruptions: 4},
	{Name: "g5.48xlarge", VCPUs: 192, MemoryGiB: 768, GPUs: 8, Arch: ArchX86_64, EFA: true, AdvisorSavings: 71, Interruptions: 4},
	{Name: "g6.xlarge", VCPUs: 4, MemoryGiB: 16, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 49, Interruptions: 4},
	{Name: "g6.2xlarge", VCPUs: 8, MemoryGiB: 32, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 58, Interruptions: 4},
	{Name: "g6.4xlarge", VCPUs: 16, MemoryGiB: 64, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 57, Interruptions: 4},
	{Name: "g6.8xlarge", VCPUs: 32, MemoryGiB: 128, GPUs: 1, Arch: ArchX86_64, EFA: true, AdvisorSavings: 56, Interruptions: 4},
	{Name: "g6.12xlarge", VCPUs: 48, MemoryGiB: 192, GPUs: 4, Arch: ArchX86_64, EFA: true, AdvisorSavings: 59, Interruptions: 4},
	{Name: "g6.16xlarge", VCPUs: 64, MemoryGiB: 256, GPUs: 1, Arch: ArchX86_64, EFA: true, AdvisorSavings: 64, Interruptions: 3},
	{Name: "g6.24xlarge", VCPUs: 96, MemoryGiB: 384, GPUs: 4, Arch: ArchX86_64, EFA: true, AdvisorSavings: 56, Interruptions: 4},
	{Name: "g6.48xlarge", VCPUs: 192, MemoryGiB: 768, GPUs: 8, Arch: ArchX86_64, EFA: true, AdvisorSavings: 69, Interruptions: 4},
	{Name: "g6e.xlarge", VCPUs: 4, MemoryGiB: 32, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 58, Interruptions: 1},
	{Name: "g6e.2xlarge", VCPUs: 8, MemoryGiB: 64, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 63, Interruptions: 2},
	{Name: "g6e.4xlarge", VCPUs: 16, MemoryGiB: 128, GPUs: 1, Arch: ArchX86_64, EFA: false, AdvisorSavings: 62, Interruptions: 4},
	{Name: "g6e.8xlarge", VCPUs: 32, MemoryGiB: 256, GPUs: 1, Arch: ArchX86_64, EFA: true, AdvisorSavings: 66, Interruptions: 4},
	{Name: "g6e.12xlarge", VCPUs: 48, MemoryGiB: 384, GPUs: 4, Arch: ArchX86_64, EFA: true, AdvisorSavings: 56, Interruptions: 4},
	{Name: "g6e.16xlarge", VCPUs: 64, MemoryGiB: 512, GPUs: 1, Arch: ArchX86_64, EFA: true, AdvisorSavings: 66, Interruptions: 3},
	{Name: "g6e.24xlarge", VCPUs: 96, MemoryGiB: 768, GPUs: 4, Arch: ArchX86_64, EFA: true, AdvisorSavings: 74, Interruptions: 4},
	{Name: "g6e.48xlarge", VCPUs: 192, MemoryGiB: 1536, GPUs: 8, Arch: ArchX86_64, EFA: true, AdvisorSavings: 68, Interruptions: 4},
	{Name: "p4d.24xlarge", VCPUs: 96, MemoryGiB: 1152, GPUs: 8, Arch: ArchX86_64, EFA: true, AdvisorSavings: 67, Interruptions: 2},
	{Name: "p5.48xlarge", VCPUs: 192, MemoryGiB: 2048, GPUs: 8, Arch: ArchX86_64, EFA: true, AdvisorSavings: 52, Interruptions: 4},
	{Name: "c8g.xlarge", VCPUs: 4, MemoryGiB: 8, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 66, Interruptions: 2},
	{Name: "c8g.2xlarge", VCPUs: 8, MemoryGiB: 16, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 70, Interruptions: 4},
	{Name: "c8g.4xlarge", VCPUs: 16, MemoryGiB: 32, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 70, Interruptions: 4},
	{Name: "c8g.8xlarge", VCPUs: 32, MemoryGiB: 64, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 66, Interruptions: 1},
	{Name: "c8g.16xlarge", VCPUs: 64, MemoryGiB: 128, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 74, Interruptions: 0},
	{Name: "c8g.24xlarge", VCPUs: 96, MemoryGiB: 192, GPUs: 0, Arch: ArchARM64, EFA: true, AdvisorSavings: 74, Interruptions: 0},
	{Name: "c8g.48xlarge", VCPUs: 192, MemoryGiB: 384, GPUs: 0, Arch: ArchARM64, EFA: true, AdvisorSavings: 73, Interruptions: 1},
	{Name: "m8g.xlarge", VCPUs: 4, MemoryGiB: 16, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 72, Interruptions: 4},
	{Name: "m8g.4xlarge", VCPUs: 16, MemoryGiB: 64, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 57, Interruptions: 0},
	{Name: "m8g.16xlarge", VCPUs: 64, MemoryGiB: 256, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 70, Interruptions: 0},
	{Name: "m8g.24xlarge", VCPUs: 96, MemoryGiB: 384, GPUs: 0, Arch: ArchARM64, EFA: true, AdvisorSavings: 69, Interruptions: 2},
	{Name: "m8g.48xlarge", VCPUs: 192, MemoryGiB: 768, GPUs: 0, Arch: ArchARM64, EFA: true, AdvisorSavings: 49, Interruptions: 1},
	{Name: "r8g.xlarge", VCPUs: 4, MemoryGiB: 32, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 69, Interruptions: 4},
	{Name: "r8g.4xlarge", VCPUs: 16, MemoryGiB: 128, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 67, Interruptions: 4},
	{Name: "r8g.16xlarge", VCPUs: 64, MemoryGiB: 512, GPUs: 0, Arch: ArchARM64, EFA: false, AdvisorSavings: 76, Interruptions: 0},
	{Name: "r8g.24xlarge", VCPUs: 96, MemoryGiB: 768, GPUs: 0, Arch: ArchARM64, EFA: true, AdvisorSavings: 78, Interruptions: 4},
	{Name: "r8g.48xlarge", VCPUs: 192, MemoryGiB: 1536, GPUs: 0, Arch: ArchARM64, EFA: true, AdvisorSavings: 72, Interruptions: 1},
}

func init() {
	for i := range catalog {
		t := &catalog[i]
		if t.OnDemandPrice > 0 {
			t.OnDemandSource, t.OnDemandAsOf = OnDemandPriceSource, OnDemandPricesAsOf
		}
		if t.SpotPrice > 0 {
			t.SpotSource, t.SpotAsOf = SpotPriceSource, SpotPricesAsOf
		}
		if t.AdvisorSavings > 0 {
			t.AdvisorSource, t.AdvisorAsOf = "Spot Instance Advisor feed ("+SpotAdvisorURL+"), us-east-1, Linux", SpotPricesAsOf
		}
	}
	for _, t := range round2 {
		t.AdvisorSource, t.AdvisorAsOf = Round2Source, Round2AsOf
		catalog = append(catalog, t)
	}
	slices.SortStableFunc(catalog, func(a, b InstanceType) int {
		return cmp.Or(cmp.Compare(a.Family(), b.Family()), cmp.Compare(a.VCPUs, b.VCPUs))
	})
	for _, t := range catalog {
		byName[t.Name] = t
	}
}

// CatalogDates names every date the catalog's figures were read, with what
// was read then, for reports (gureum report shows them through HPCCluster's
// construct metadata).
func CatalogDates() []string {
	return []string{
		"On-Demand prices: " + OnDemandPricesAsOf + " (" + OnDemandPriceSource + ")",
		"Spot prices and Spot Instance Advisor: " + SpotPricesAsOf + " (" + SpotPriceSource + ")",
		"GPU and Graviton4 rows (no prices): " + Round2AsOf + " (" + Round2Source + ")",
	}
}

// GPUFamilies are the instance classes whose types carry NVIDIA GPUs: g
// (g4dn, g5, g6, g6e, gr6, ...) and p (p3, p4d, p5, p5e, ...). g4ad carries
// AMD GPUs, which the ECS GPU-optimized AMI does not drive; it counts as a
// CPU type.
var GPUFamilies = []string{"g", "gr", "p"}

// shape is an EC2 instance type name: a class of letters, a generation
// digit, attribute letters (g for Graviton, n for network, d for local NVMe,
// e for extra memory, ...; "-flex"), a dot and a size.
var (
	familyShape = regexp.MustCompile(`^([a-z]+)([0-9]+)([a-z]*)(-flex)?$`)
	sizeShape   = regexp.MustCompile(`^(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal|metal-[1-9][0-9]*xl)$`)
)

// parseFamily splits a family into class, generation and attributes.
func parseFamily(f string) (class, gen, attrs string, ok bool) {
	m := familyShape.FindStringSubmatch(f)
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

func isGPUFamily(f string) bool {
	class, _, _, ok := parseFamily(f)
	if !ok || f == "g4ad" {
		return false
	}
	return slices.Contains(GPUFamilies, class)
}

// archOf infers a family's architecture from its name: AWS Graviton
// families carry a "g" among the attributes after the generation (c7g,
// c7gn, m8g, im4gn, is4gen, g5g, hpc7g), and a1 is the first Graviton;
// every other family is x86_64.
func archOf(f string) Arch {
	class, _, attrs, _ := parseFamily(f)
	if strings.Contains(attrs, "g") || (class == "a" && f == "a1") {
		return ArchARM64
	}
	return ArchX86_64
}

// ParseInstanceType returns the catalog row of name ("g5.12xlarge"), or, for
// a well-formed type the catalog does not hold ("x2iedn.8xlarge"), a row
// with only its name and inferred architecture (Known reports false, and it
// has no price). A name that is not the shape of an EC2 instance type
// (family: class letters, generation digits, attribute letters; size:
// "large", "<n>xlarge", "metal", ...) is an error.
func ParseInstanceType(name string) (InstanceType, error) {
	n := normalize(name)
	if t, ok := byName[n]; ok {
		return t, nil
	}
	family, size, hasSize := strings.Cut(n, ".")
	if !hasSize {
		return InstanceType{}, fmt.Errorf("hpccluster: instance type %q has no size (want <family>.<size>, e.g. c7g.4xlarge)", name)
	}
	if _, _, _, ok := parseFamily(family); !ok {
		return InstanceType{}, fmt.Errorf("hpccluster: instance type %q: family %q is not the shape of an EC2 family (class letters, generation digits, attribute letters: c7g, g6e, p5, x2iedn)", name, family)
	}
	if !sizeShape.MatchString(size) {
		return InstanceType{}, fmt.Errorf("hpccluster: instance type %q: size %q is not an EC2 size (nano ... large, xlarge, <n>xlarge, metal, metal-<n>xl)", name, size)
	}
	return InstanceType{Name: n, Arch: archOf(family)}, nil
}
