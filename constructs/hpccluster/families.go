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
// Their Spot prices are the catalog's other Spot prices' source and fetch
// (SpotPriceSource, SpotPricesAsOf: spotinfo's copy of the Spot pricing
// page's feed, us-east-1, Linux/UNIX, copied as published). Their
// On-Demand prices are the AWS Price List API's us-east-1 Linux shared-
// tenancy prices as generated into github.com/aws/karpenter-provider-aws
// (pkg/providers/pricing/zz_generated.pricing_aws.go at commit
// Round2OnDemandCommit, "generated at" Round2OnDemandAsOf): a later reading
// than OnDemandPricesAsOf, which agrees with it on every older catalog row
// compared (c5, c7g, c6in, m5, m7i, r7g, hpc7g). p4d and p5 carry the
// prices AWS lowered in 2025: the same table gave 32.7726 and 98.32 USD/h
// until 2025-04-29, and 21.957642 and 55.04 from 2025-06-23 on.
var (
	Round2AdvisorCommit = "5eedf20a99614443af215f4aaf09bd10805cac72"
	Round2AsOf          = "2025-06-28T10:10:57Z"
	Round2Source        = "Spot Instance Advisor feed (" + SpotAdvisorURL + "), us-east-1, Linux, as vendored by github.com/alexei-led/spotinfo commit " + Round2AdvisorCommit
	// Round2OnDemandCommit is the karpenter-provider-aws commit whose
	// generated price table the GPU and Graviton4 rows' On-Demand prices
	// are read from.
	Round2OnDemandCommit = "6fc13b5236fd04fd16ff3f9dc7490d0813994099"
	// Round2OnDemandAsOf is when that table was generated (UTC).
	Round2OnDemandAsOf = "2026-07-20T13:44:30Z"
	// Round2OnDemandSource names where those On-Demand prices come from.
	Round2OnDemandSource = "AWS Price List API, US East (N. Virginia), Linux, shared tenancy, as generated into karpenter-provider-aws (https://github.com/aws/karpenter-provider-aws/blob/" + Round2OnDemandCommit + "/pkg/providers/pricing/zz_generated.pricing_aws.go)"
)

// round2 are the GPU and Graviton4 rows (see Round2Source), merged into the
// catalog at initialisation.
var round2 = []InstanceType{
	{Name: "g4dn.xlarge", VCPUs: 4, MemoryGiB: 16, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.526, SpotPrice: 0.3196, AdvisorSavings: 64, Interruptions: 3},
	{Name: "g4dn.2xlarge", VCPUs: 8, MemoryGiB: 32, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.752, SpotPrice: 0.3179, AdvisorSavings: 61, Interruptions: 4},
	{Name: "g4dn.4xlarge", VCPUs: 16, MemoryGiB: 64, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.204, SpotPrice: 0.5146, AdvisorSavings: 68, Interruptions: 4},
	{Name: "g4dn.8xlarge", VCPUs: 32, MemoryGiB: 128, GPUs: 1, Arch: ArchX86_64, EFA: true, OnDemandPrice: 2.176, SpotPrice: 0.77, AdvisorSavings: 63, Interruptions: 4},
	{Name: "g4dn.12xlarge", VCPUs: 48, MemoryGiB: 192, GPUs: 4, Arch: ArchX86_64, EFA: true, OnDemandPrice: 3.912, SpotPrice: 1.5537, AdvisorSavings: 64, Interruptions: 2},
	{Name: "g4dn.16xlarge", VCPUs: 64, MemoryGiB: 256, GPUs: 1, Arch: ArchX86_64, EFA: true, OnDemandPrice: 4.352, SpotPrice: 1.4089, AdvisorSavings: 76, Interruptions: 4},
	{Name: "g5.xlarge", VCPUs: 4, MemoryGiB: 16, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.006, SpotPrice: 0.5089, AdvisorSavings: 59, Interruptions: 4},
	{Name: "g5.2xlarge", VCPUs: 8, MemoryGiB: 32, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.212, SpotPrice: 1.0236, AdvisorSavings: 58, Interruptions: 3},
	{Name: "g5.4xlarge", VCPUs: 16, MemoryGiB: 64, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.624, SpotPrice: 0.9008, AdvisorSavings: 60, Interruptions: 2},
	{Name: "g5.8xlarge", VCPUs: 32, MemoryGiB: 128, GPUs: 1, Arch: ArchX86_64, EFA: true, OnDemandPrice: 2.448, SpotPrice: 1.2542, AdvisorSavings: 59, Interruptions: 4},
	{Name: "g5.12xlarge", VCPUs: 48, MemoryGiB: 192, GPUs: 4, Arch: ArchX86_64, EFA: true, OnDemandPrice: 5.672, SpotPrice: 3.4917, AdvisorSavings: 58, Interruptions: 4},
	{Name: "g5.16xlarge", VCPUs: 64, MemoryGiB: 256, GPUs: 1, Arch: ArchX86_64, EFA: true, OnDemandPrice: 4.096, SpotPrice: 1.8357, AdvisorSavings: 61, Interruptions: 4},
	{Name: "g5.24xlarge", VCPUs: 96, MemoryGiB: 384, GPUs: 4, Arch: ArchX86_64, EFA: true, OnDemandPrice: 8.144, SpotPrice: 2.3425, AdvisorSavings: 57, Interruptions: 4},
	{Name: "g5.48xlarge", VCPUs: 192, MemoryGiB: 768, GPUs: 8, Arch: ArchX86_64, EFA: true, OnDemandPrice: 16.288, SpotPrice: 9.1028, AdvisorSavings: 71, Interruptions: 4},
	{Name: "g6.xlarge", VCPUs: 4, MemoryGiB: 16, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.8048, SpotPrice: 0.5375, AdvisorSavings: 49, Interruptions: 4},
	{Name: "g6.2xlarge", VCPUs: 8, MemoryGiB: 32, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.9776, SpotPrice: 0.8792, AdvisorSavings: 58, Interruptions: 4},
	{Name: "g6.4xlarge", VCPUs: 16, MemoryGiB: 64, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.3232, SpotPrice: 0.6713, AdvisorSavings: 57, Interruptions: 4},
	{Name: "g6.8xlarge", VCPUs: 32, MemoryGiB: 128, GPUs: 1, Arch: ArchX86_64, EFA: true, OnDemandPrice: 2.0144, SpotPrice: 1.3626, AdvisorSavings: 56, Interruptions: 4},
	{Name: "g6.12xlarge", VCPUs: 48, MemoryGiB: 192, GPUs: 4, Arch: ArchX86_64, EFA: true, OnDemandPrice: 4.6016, SpotPrice: 2.846, AdvisorSavings: 59, Interruptions: 4},
	{Name: "g6.16xlarge", VCPUs: 64, MemoryGiB: 256, GPUs: 1, Arch: ArchX86_64, EFA: true, OnDemandPrice: 3.3968, SpotPrice: 1.7823, AdvisorSavings: 64, Interruptions: 3},
	{Name: "g6.24xlarge", VCPUs: 96, MemoryGiB: 384, GPUs: 4, Arch: ArchX86_64, EFA: true, OnDemandPrice: 6.6752, SpotPrice: 1.8695, AdvisorSavings: 56, Interruptions: 4},
	{Name: "g6.48xlarge", VCPUs: 192, MemoryGiB: 768, GPUs: 8, Arch: ArchX86_64, EFA: true, OnDemandPrice: 13.3504, SpotPrice: 4.768, AdvisorSavings: 69, Interruptions: 4},
	{Name: "g6e.xlarge", VCPUs: 4, MemoryGiB: 32, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.861, SpotPrice: 1.6119, AdvisorSavings: 58, Interruptions: 1},
	{Name: "g6e.2xlarge", VCPUs: 8, MemoryGiB: 64, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 2.24208, SpotPrice: 2.182, AdvisorSavings: 63, Interruptions: 2},
	{Name: "g6e.4xlarge", VCPUs: 16, MemoryGiB: 128, GPUs: 1, Arch: ArchX86_64, EFA: false, OnDemandPrice: 3.00424, SpotPrice: 2.8709, AdvisorSavings: 62, Interruptions: 4},
	{Name: "g6e.8xlarge", VCPUs: 32, MemoryGiB: 256, GPUs: 1, Arch: ArchX86_64, EFA: true, OnDemandPrice: 4.52856, SpotPrice: 1.7736, AdvisorSavings: 66, Interruptions: 4},
	{Name: "g6e.12xlarge", VCPUs: 48, MemoryGiB: 384, GPUs: 4, Arch: ArchX86_64, EFA: true, OnDemandPrice: 10.49264, SpotPrice: 3.1479, AdvisorSavings: 56, Interruptions: 4},
	{Name: "g6e.16xlarge", VCPUs: 64, MemoryGiB: 512, GPUs: 1, Arch: ArchX86_64, EFA: true, OnDemandPrice: 7.57719, SpotPrice: 2.7307, AdvisorSavings: 66, Interruptions: 3},
	{Name: "g6e.24xlarge", VCPUs: 96, MemoryGiB: 768, GPUs: 4, Arch: ArchX86_64, EFA: true, OnDemandPrice: 15.06559, SpotPrice: 4.1488, AdvisorSavings: 74, Interruptions: 4},
	{Name: "g6e.48xlarge", VCPUs: 192, MemoryGiB: 1536, GPUs: 8, Arch: ArchX86_64, EFA: true, OnDemandPrice: 30.13118, SpotPrice: 11.5708, AdvisorSavings: 68, Interruptions: 4},
	{Name: "p4d.24xlarge", VCPUs: 96, MemoryGiB: 1152, GPUs: 8, Arch: ArchX86_64, EFA: true, OnDemandPrice: 21.957642, SpotPrice: 14.2313, AdvisorSavings: 67, Interruptions: 2},
	{Name: "p5.48xlarge", VCPUs: 192, MemoryGiB: 2048, GPUs: 8, Arch: ArchX86_64, EFA: true, OnDemandPrice: 55.04, SpotPrice: 19.4933, AdvisorSavings: 52, Interruptions: 4},
	{Name: "c8g.xlarge", VCPUs: 4, MemoryGiB: 8, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.15952, SpotPrice: 0.0542, AdvisorSavings: 66, Interruptions: 2},
	{Name: "c8g.2xlarge", VCPUs: 8, MemoryGiB: 16, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.31904, SpotPrice: 0.1122, AdvisorSavings: 70, Interruptions: 4},
	{Name: "c8g.4xlarge", VCPUs: 16, MemoryGiB: 32, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.63808, SpotPrice: 0.2279, AdvisorSavings: 70, Interruptions: 4},
	{Name: "c8g.8xlarge", VCPUs: 32, MemoryGiB: 64, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 1.27616, SpotPrice: 0.4053, AdvisorSavings: 66, Interruptions: 1},
	{Name: "c8g.16xlarge", VCPUs: 64, MemoryGiB: 128, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 2.55232, SpotPrice: 0.7445, AdvisorSavings: 74, Interruptions: 0},
	{Name: "c8g.24xlarge", VCPUs: 96, MemoryGiB: 192, GPUs: 0, Arch: ArchARM64, EFA: true, OnDemandPrice: 3.82848, SpotPrice: 1.0844, AdvisorSavings: 74, Interruptions: 0},
	{Name: "c8g.48xlarge", VCPUs: 192, MemoryGiB: 384, GPUs: 0, Arch: ArchARM64, EFA: true, OnDemandPrice: 7.65696, SpotPrice: 2.2402, AdvisorSavings: 73, Interruptions: 1},
	{Name: "m8g.xlarge", VCPUs: 4, MemoryGiB: 16, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.17952, SpotPrice: 0.0867, AdvisorSavings: 72, Interruptions: 4},
	{Name: "m8g.4xlarge", VCPUs: 16, MemoryGiB: 64, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.71808, SpotPrice: 0.2624, AdvisorSavings: 57, Interruptions: 0},
	{Name: "m8g.16xlarge", VCPUs: 64, MemoryGiB: 256, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 2.87232, SpotPrice: 0.8637, AdvisorSavings: 70, Interruptions: 0},
	{Name: "m8g.24xlarge", VCPUs: 96, MemoryGiB: 384, GPUs: 0, Arch: ArchARM64, EFA: true, OnDemandPrice: 4.30848, SpotPrice: 1.289, AdvisorSavings: 69, Interruptions: 2},
	{Name: "m8g.48xlarge", VCPUs: 192, MemoryGiB: 768, GPUs: 0, Arch: ArchARM64, EFA: true, OnDemandPrice: 8.61696, SpotPrice: 3.4655, AdvisorSavings: 49, Interruptions: 1},
	{Name: "r8g.xlarge", VCPUs: 4, MemoryGiB: 32, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.23564, SpotPrice: 0.0732, AdvisorSavings: 69, Interruptions: 4},
	{Name: "r8g.4xlarge", VCPUs: 16, MemoryGiB: 128, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.94256, SpotPrice: 0.277, AdvisorSavings: 67, Interruptions: 4},
	{Name: "r8g.16xlarge", VCPUs: 64, MemoryGiB: 512, GPUs: 0, Arch: ArchARM64, EFA: false, OnDemandPrice: 3.77024, SpotPrice: 0.6229, AdvisorSavings: 76, Interruptions: 0},
	{Name: "r8g.24xlarge", VCPUs: 96, MemoryGiB: 768, GPUs: 0, Arch: ArchARM64, EFA: true, OnDemandPrice: 5.65536, SpotPrice: 1.0139, AdvisorSavings: 78, Interruptions: 4},
	{Name: "r8g.48xlarge", VCPUs: 192, MemoryGiB: 1536, GPUs: 0, Arch: ArchARM64, EFA: true, OnDemandPrice: 11.31072, SpotPrice: 3.9058, AdvisorSavings: 72, Interruptions: 1},
}

func init() {
	for i := range catalog {
		stamp(&catalog[i], OnDemandPriceSource, OnDemandPricesAsOf, "Spot Instance Advisor feed ("+SpotAdvisorURL+"), us-east-1, Linux", SpotPricesAsOf)
	}
	for _, t := range round2 {
		stamp(&t, Round2OnDemandSource, Round2OnDemandAsOf, Round2Source, Round2AsOf)
		catalog = append(catalog, t)
	}
	slices.SortStableFunc(catalog, func(a, b InstanceType) int {
		return cmp.Or(cmp.Compare(a.Family(), b.Family()), cmp.Compare(a.VCPUs, b.VCPUs))
	})
	for _, t := range catalog {
		byName[t.Name] = t
	}
}

// stamp records where t's figures were read and when: its On-Demand price
// and Advisor figures from the readings given, its Spot price from the one
// Spot fetch every row shares. A figure the row lacks gets no source.
func stamp(t *InstanceType, onDemandSource, onDemandAsOf, advisorSource, advisorAsOf string) {
	if t.OnDemandPrice > 0 {
		t.OnDemandSource, t.OnDemandAsOf = onDemandSource, onDemandAsOf
	}
	if t.SpotPrice > 0 {
		t.SpotSource, t.SpotAsOf = SpotPriceSource, SpotPricesAsOf
	}
	if t.AdvisorSavings > 0 {
		t.AdvisorSource, t.AdvisorAsOf = advisorSource, advisorAsOf
	}
}

// CatalogDates names every date the catalog's figures were read, with what
// was read then, for reports (gureum report shows them through HPCCluster's
// construct metadata).
func CatalogDates() []string {
	return []string{
		"On-Demand prices: " + OnDemandPricesAsOf + " (" + OnDemandPriceSource + ")",
		"Spot prices and Spot Instance Advisor: " + SpotPricesAsOf + " (" + SpotPriceSource + ")",
		"GPU and Graviton4 rows, On-Demand prices: " + Round2OnDemandAsOf + " (" + Round2OnDemandSource + ")",
		"GPU and Graviton4 rows, shapes and Spot Instance Advisor: " + Round2AsOf + " (" + Round2Source + ")",
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
