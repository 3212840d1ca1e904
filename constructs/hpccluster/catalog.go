package hpccluster

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Provenance of the instance catalog. The catalog lists EC2 instance types
// suited to AWS Batch HPC compute environments, with their shape, EFA support
// and us-east-1 Linux prices. Sources and dates of the figures:
//
//   - vCPUs, memory and architecture: the Amazon EC2 instance type
//     specifications (docs.aws.amazon.com/ec2/latest/instancetypes).
//   - EFA: the "Supported instance types" list of the Elastic Fabric Adapter
//     chapter of the Amazon EC2 User Guide. EFA is marked only on the sizes
//     that list names (for most families, only the largest size). The
//     authoritative answer for an account and Region is
//     aws ec2 describe-instance-types --filters Name=network-info.efa-supported,Values=true
//   - On-Demand: the Amazon EC2 On-Demand pricing page, US East
//     (N. Virginia), Linux, shared tenancy, as published at
//     OnDemandPricesAsOf.
//   - Spot: the price the Amazon EC2 Spot Instances pricing page publishes
//     for each type in US East (N. Virginia), Linux/UNIX, read from the
//     page's data feed (SpotPriceURL) as fetched at SpotPricesAsOf, copied
//     as published (no rounding, no discount applied). The copy read is the
//     one vendored by github.com/alexei-led/spotinfo
//     (internal/spot/data/spot-price-data.json; the fetch time is in
//     spot-price-manifest.json).
//   - AdvisorSavings and Interruptions: the Spot Instance Advisor's feed
//     (SpotAdvisorURL), us-east-1, Linux, same fetch (spotinfo's
//     spot-advisor-data.json): the savings over On-Demand and the
//     frequency-of-interruption band the Advisor shows for the type.
//
// Spot prices are quotes of one moment, not list prices: they are set per
// Availability Zone, move with supply and demand, and can differ by tens of
// percent between sizes of one family, between Zones and from one week to
// the next (c6i.4xlarge, for one, was 34% below On-Demand in the feed where
// the Advisor shows 55%). Refresh them with
//
//	aws ec2 describe-spot-price-history --region us-east-1 --product-descriptions Linux/UNIX
//
// before quoting a figure. HPC instances (hpc6a, hpc6id, hpc7g) are sold
// On-Demand (and through Savings Plans) only: they have no Spot price. hpc6a
// and hpc6id are not offered in us-east-1; their price is us-east-2's.
var (
	// PriceRegion is the Region whose prices the catalog holds.
	PriceRegion = "us-east-1"
	// OnDemandPricesAsOf is when the On-Demand prices were read (year-month).
	OnDemandPricesAsOf = "2025-01"
	// OnDemandPriceSource names where the On-Demand prices come from.
	OnDemandPriceSource = "Amazon EC2 On-Demand pricing page (aws.amazon.com/ec2/pricing/on-demand), US East (N. Virginia), Linux, shared tenancy"
	// SpotPricesAsOf is when the Spot prices and the Advisor figures were
	// fetched (UTC).
	SpotPricesAsOf = "2026-08-10T06:54:02Z"
	// SpotPriceURL is the data feed of the Amazon EC2 Spot Instances pricing
	// page (aws.amazon.com/ec2/spot/pricing).
	SpotPriceURL = "https://website.spot.ec2.aws.a2z.com/spot.json"
	// SpotAdvisorURL is the data feed of the Spot Instance Advisor
	// (aws.amazon.com/ec2/spot/instance-advisor).
	SpotAdvisorURL = "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json"
	// SpotPriceSource names where the Spot prices come from, and what they are.
	SpotPriceSource = "Amazon EC2 Spot Instances pricing page (aws.amazon.com/ec2/spot/pricing, feed " + SpotPriceURL + "), US East (N. Virginia), Linux/UNIX, as published"
	// EFASource names where EFA support comes from.
	EFASource = "Amazon EC2 User Guide, Elastic Fabric Adapter, Supported instance types"
)

// Arch is a CPU architecture as AWS Batch and EC2 name it.
type Arch string

// The architectures of the catalog.
const (
	ArchARM64  Arch = "arm64"  // AWS Graviton
	ArchX86_64 Arch = "x86_64" // Intel and AMD
)

// InterruptionBand is the Spot Instance Advisor's frequency of interruption
// of a type: how often AWS reclaimed its Spot capacity over the trailing
// month, in five bands numbered as the Advisor's feed numbers them.
type InterruptionBand int

// The Advisor's bands.
const (
	InterruptionsUnder5 InterruptionBand = iota // <5%
	Interruptions5To10                          // 5-10%
	Interruptions10To15                         // 10-15%
	Interruptions15To20                         // 15-20%
	InterruptionsOver20                         // >20%
)

// String is the band as the Advisor labels it, e.g. "5-10%".
func (b InterruptionBand) String() string {
	labels := [...]string{"<5%", "5-10%", "10-15%", "15-20%", ">20%"}
	if b < 0 || int(b) >= len(labels) {
		return fmt.Sprintf("InterruptionBand(%d)", int(b))
	}
	return labels[b]
}

// InstanceType is one row of the catalog.
type InstanceType struct {
	// Name is the EC2 instance type, e.g. "c7g.16xlarge".
	Name string
	// VCPUs is the number of vCPUs.
	VCPUs int
	// MemoryGiB is the memory in GiB.
	MemoryGiB float64
	// Arch is the CPU architecture.
	Arch Arch
	// EFA reports whether the type supports an Elastic Fabric Adapter.
	EFA bool
	// OnDemandPrice is the Linux On-Demand price in USD per hour.
	OnDemandPrice float64
	// SpotPrice is the Linux Spot price in USD per hour published at
	// SpotPricesAsOf; 0 when the type is not offered as Spot.
	SpotPrice float64
	// AdvisorSavings is the Spot Instance Advisor's savings over On-Demand
	// for the type, in percent, at SpotPricesAsOf; 0 without Spot.
	AdvisorSavings int
	// Interruptions is the Spot Instance Advisor's frequency-of-interruption
	// band at SpotPricesAsOf; meaningful only when SpotAvailable.
	Interruptions InterruptionBand
	// GPUs is the number of NVIDIA GPUs; 0 for CPU-only types.
	GPUs int
	// Note qualifies the row (availability, price Region), if needed.
	Note string

	// Provenance of the row's figures: where each was read and when.
	// A price carries both; a row without a price (see Priced) carries
	// neither, and the cost estimate says "no price" for it. Set for every
	// row at package initialisation from the variables above
	// (OnDemandPriceSource, OnDemandPricesAsOf, ...), or, for the rows
	// added with the GPU and Graviton4 families, from Round2Source and
	// Round2OnDemandSource.
	OnDemandSource, OnDemandAsOf string
	SpotSource, SpotAsOf         string
	AdvisorSource, AdvisorAsOf   string
}

// Family is the part of the name before the dot, e.g. "c7g".
func (t InstanceType) Family() string { f, _, _ := strings.Cut(t.Name, "."); return f }

// Size is the part of the name after the dot, e.g. "16xlarge".
func (t InstanceType) Size() string { _, s, _ := strings.Cut(t.Name, "."); return s }

// SpotAvailable reports whether the type can run as a Spot Instance: it has
// a Spot price, or the Spot Instance Advisor lists it. A type outside the
// catalog (see Known) is assumed to be offered.
func (t InstanceType) SpotAvailable() bool {
	return !t.Known() || t.SpotPrice > 0 || t.AdvisorSavings > 0
}

// Known reports whether the type is a catalog row (its shape is known);
// ParseInstanceType returns types outside the catalog with only their name,
// family and inferred architecture.
func (t InstanceType) Known() bool { return t.VCPUs > 0 }

// Priced reports whether the catalog holds the type's On-Demand price (and
// so can put it in a cost estimate).
func (t InstanceType) Priced() bool { return t.OnDemandPrice > 0 }

// SpotPriced reports whether the catalog holds the type's Spot price.
func (t InstanceType) SpotPriced() bool { return t.SpotPrice > 0 }

// GPU reports whether the type carries NVIDIA GPUs: from the catalog's
// GPUs, or, for a type outside it, from its family (see GPUFamilies).
func (t InstanceType) GPU() bool {
	if t.Known() {
		return t.GPUs > 0
	}
	return isGPUFamily(t.Family())
}

// OnDemandPerVCPU is the On-Demand price per vCPU-hour.
func (t InstanceType) OnDemandPerVCPU() float64 { return t.OnDemandPrice / float64(t.VCPUs) }

// memoryMiB is the type's memory in MiB.
func (t InstanceType) memoryMiB() int { return int(t.MemoryGiB * 1024) }

// SpotPerVCPU is the Spot price per vCPU-hour; 0 without a Spot price.
func (t InstanceType) SpotPerVCPU() float64 { return t.SpotPrice / float64(t.VCPUs) }

const (
	noteHPC        = "HPC instance: On-Demand only, no Spot"
	noteHPCUSEast2 = "HPC instance: On-Demand only, no Spot; not offered in us-east-1, price is us-east-2's"
)

// catalog is sorted by family, then by vCPUs.
var catalog = []InstanceType{
	{Name: "c5.xlarge", VCPUs: 4, MemoryGiB: 8, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.17, SpotPrice: 0.0646, AdvisorSavings: 58, Interruptions: 2},
	{Name: "c5.2xlarge", VCPUs: 8, MemoryGiB: 16, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.34, SpotPrice: 0.1511, AdvisorSavings: 59, Interruptions: 4},
	{Name: "c5.4xlarge", VCPUs: 16, MemoryGiB: 32, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.68, SpotPrice: 0.2631, AdvisorSavings: 66, Interruptions: 4},
	{Name: "c5.9xlarge", VCPUs: 36, MemoryGiB: 72, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.53, SpotPrice: 0.6357, AdvisorSavings: 56, Interruptions: 0},
	{Name: "c5.18xlarge", VCPUs: 72, MemoryGiB: 144, Arch: ArchX86_64, EFA: false, OnDemandPrice: 3.06, SpotPrice: 1.0385, AdvisorSavings: 66, Interruptions: 3},
	{Name: "c5n.9xlarge", VCPUs: 36, MemoryGiB: 96, Arch: ArchX86_64, EFA: true, OnDemandPrice: 1.944, SpotPrice: 0.6715, AdvisorSavings: 58, Interruptions: 4},
	{Name: "c5n.18xlarge", VCPUs: 72, MemoryGiB: 192, Arch: ArchX86_64, EFA: true, OnDemandPrice: 3.888, SpotPrice: 1.2942, AdvisorSavings: 62, Interruptions: 2},
	{Name: "c6g.xlarge", VCPUs: 4, MemoryGiB: 8, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.136, SpotPrice: 0.0505, AdvisorSavings: 56, Interruptions: 1},
	{Name: "c6g.2xlarge", VCPUs: 8, MemoryGiB: 16, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.272, SpotPrice: 0.1073, AdvisorSavings: 54, Interruptions: 1},
	{Name: "c6g.4xlarge", VCPUs: 16, MemoryGiB: 32, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.544, SpotPrice: 0.1777, AdvisorSavings: 65, Interruptions: 1},
	{Name: "c6g.8xlarge", VCPUs: 32, MemoryGiB: 64, Arch: ArchARM64, EFA: false, OnDemandPrice: 1.088, SpotPrice: 0.3653, AdvisorSavings: 68, Interruptions: 2},
	{Name: "c6g.16xlarge", VCPUs: 64, MemoryGiB: 128, Arch: ArchARM64, EFA: false, OnDemandPrice: 2.176, SpotPrice: 0.3488, AdvisorSavings: 72, Interruptions: 1},
	{Name: "c6gn.8xlarge", VCPUs: 32, MemoryGiB: 64, Arch: ArchARM64, EFA: false, OnDemandPrice: 1.3824, SpotPrice: 0.4216, AdvisorSavings: 61, Interruptions: 1},
	{Name: "c6gn.16xlarge", VCPUs: 64, MemoryGiB: 128, Arch: ArchARM64, EFA: true, OnDemandPrice: 2.7648, SpotPrice: 0.5406, AdvisorSavings: 66, Interruptions: 1},
	{Name: "c6i.xlarge", VCPUs: 4, MemoryGiB: 8, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.17, SpotPrice: 0.0663, AdvisorSavings: 63, Interruptions: 3},
	{Name: "c6i.2xlarge", VCPUs: 8, MemoryGiB: 16, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.34, SpotPrice: 0.1463, AdvisorSavings: 56, Interruptions: 3},
	{Name: "c6i.4xlarge", VCPUs: 16, MemoryGiB: 32, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.68, SpotPrice: 0.4492, AdvisorSavings: 55, Interruptions: 4},
	{Name: "c6i.8xlarge", VCPUs: 32, MemoryGiB: 64, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.36, SpotPrice: 0.686, AdvisorSavings: 64, Interruptions: 4},
	{Name: "c6i.16xlarge", VCPUs: 64, MemoryGiB: 128, Arch: ArchX86_64, EFA: false, OnDemandPrice: 2.72, SpotPrice: 0.9281, AdvisorSavings: 69, Interruptions: 4},
	{Name: "c6i.32xlarge", VCPUs: 128, MemoryGiB: 256, Arch: ArchX86_64, EFA: true, OnDemandPrice: 5.44, SpotPrice: 1.6465, AdvisorSavings: 67, Interruptions: 4},
	{Name: "c6in.16xlarge", VCPUs: 64, MemoryGiB: 128, Arch: ArchX86_64, EFA: false, OnDemandPrice: 3.6288, SpotPrice: 0.9367, AdvisorSavings: 58, Interruptions: 4},
	{Name: "c6in.32xlarge", VCPUs: 128, MemoryGiB: 256, Arch: ArchX86_64, EFA: true, OnDemandPrice: 7.2576, SpotPrice: 1.7169, AdvisorSavings: 72, Interruptions: 4},
	{Name: "c7g.xlarge", VCPUs: 4, MemoryGiB: 8, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.145, SpotPrice: 0.0501, AdvisorSavings: 62, Interruptions: 1},
	{Name: "c7g.2xlarge", VCPUs: 8, MemoryGiB: 16, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.29, SpotPrice: 0.1088, AdvisorSavings: 58, Interruptions: 1},
	{Name: "c7g.4xlarge", VCPUs: 16, MemoryGiB: 32, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.58, SpotPrice: 0.194, AdvisorSavings: 54, Interruptions: 0},
	{Name: "c7g.8xlarge", VCPUs: 32, MemoryGiB: 64, Arch: ArchARM64, EFA: false, OnDemandPrice: 1.16, SpotPrice: 0.3957, AdvisorSavings: 65, Interruptions: 0},
	{Name: "c7g.16xlarge", VCPUs: 64, MemoryGiB: 128, Arch: ArchARM64, EFA: true, OnDemandPrice: 2.32, SpotPrice: 0.5421, AdvisorSavings: 69, Interruptions: 1},
	{Name: "c7gn.8xlarge", VCPUs: 32, MemoryGiB: 64, Arch: ArchARM64, EFA: false, OnDemandPrice: 1.9968, SpotPrice: 0.5877, AdvisorSavings: 66, Interruptions: 0},
	{Name: "c7gn.16xlarge", VCPUs: 64, MemoryGiB: 128, Arch: ArchARM64, EFA: true, OnDemandPrice: 3.9936, SpotPrice: 0.6887, AdvisorSavings: 73, Interruptions: 0},
	{Name: "c7i.xlarge", VCPUs: 4, MemoryGiB: 8, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.1785, SpotPrice: 0.0632, AdvisorSavings: 61, Interruptions: 4},
	{Name: "c7i.2xlarge", VCPUs: 8, MemoryGiB: 16, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.357, SpotPrice: 0.1386, AdvisorSavings: 56, Interruptions: 4},
	{Name: "c7i.4xlarge", VCPUs: 16, MemoryGiB: 32, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.714, SpotPrice: 0.2895, AdvisorSavings: 57, Interruptions: 4},
	{Name: "c7i.8xlarge", VCPUs: 32, MemoryGiB: 64, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.428, SpotPrice: 0.5528, AdvisorSavings: 66, Interruptions: 4},
	{Name: "c7i.16xlarge", VCPUs: 64, MemoryGiB: 128, Arch: ArchX86_64, EFA: false, OnDemandPrice: 2.856, SpotPrice: 0.9129, AdvisorSavings: 67, Interruptions: 4},
	{Name: "c7i.24xlarge", VCPUs: 96, MemoryGiB: 192, Arch: ArchX86_64, EFA: false, OnDemandPrice: 4.284, SpotPrice: 1.3191, AdvisorSavings: 65, Interruptions: 4},
	{Name: "c7i.48xlarge", VCPUs: 192, MemoryGiB: 384, Arch: ArchX86_64, EFA: true, OnDemandPrice: 8.568, SpotPrice: 2.7418, AdvisorSavings: 66, Interruptions: 1},
	{Name: "hpc6a.48xlarge", VCPUs: 96, MemoryGiB: 384, Arch: ArchX86_64, EFA: true, OnDemandPrice: 2.88, SpotPrice: 0, Note: noteHPCUSEast2},
	{Name: "hpc6id.32xlarge", VCPUs: 64, MemoryGiB: 1024, Arch: ArchX86_64, EFA: true, OnDemandPrice: 5.7, SpotPrice: 0, Note: noteHPCUSEast2},
	{Name: "hpc7g.4xlarge", VCPUs: 16, MemoryGiB: 128, Arch: ArchARM64, EFA: true, OnDemandPrice: 1.6832, SpotPrice: 0, Note: noteHPC},
	{Name: "hpc7g.8xlarge", VCPUs: 32, MemoryGiB: 128, Arch: ArchARM64, EFA: true, OnDemandPrice: 1.6832, SpotPrice: 0, Note: noteHPC},
	{Name: "hpc7g.16xlarge", VCPUs: 64, MemoryGiB: 128, Arch: ArchARM64, EFA: true, OnDemandPrice: 1.6832, SpotPrice: 0, Note: noteHPC},
	{Name: "m5.xlarge", VCPUs: 4, MemoryGiB: 16, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.192, SpotPrice: 0.0627, AdvisorSavings: 68, Interruptions: 4},
	{Name: "m5.2xlarge", VCPUs: 8, MemoryGiB: 32, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.384, SpotPrice: 0.1524, AdvisorSavings: 64, Interruptions: 4},
	{Name: "m5.4xlarge", VCPUs: 16, MemoryGiB: 64, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.768, SpotPrice: 0.3006, AdvisorSavings: 67, Interruptions: 4},
	{Name: "m5.12xlarge", VCPUs: 48, MemoryGiB: 192, Arch: ArchX86_64, EFA: false, OnDemandPrice: 2.304, SpotPrice: 0.5169, AdvisorSavings: 69, Interruptions: 4},
	{Name: "m5.24xlarge", VCPUs: 96, MemoryGiB: 384, Arch: ArchX86_64, EFA: false, OnDemandPrice: 4.608, SpotPrice: 1.2782, AdvisorSavings: 71, Interruptions: 4},
	{Name: "m6g.xlarge", VCPUs: 4, MemoryGiB: 16, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.154, SpotPrice: 0.0489, AdvisorSavings: 62, Interruptions: 4},
	{Name: "m6g.2xlarge", VCPUs: 8, MemoryGiB: 32, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.308, SpotPrice: 0.1325, AdvisorSavings: 54, Interruptions: 4},
	{Name: "m6g.4xlarge", VCPUs: 16, MemoryGiB: 64, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.616, SpotPrice: 0.2518, AdvisorSavings: 54, Interruptions: 1},
	{Name: "m6g.8xlarge", VCPUs: 32, MemoryGiB: 128, Arch: ArchARM64, EFA: false, OnDemandPrice: 1.232, SpotPrice: 0.3807, AdvisorSavings: 59, Interruptions: 0},
	{Name: "m6g.16xlarge", VCPUs: 64, MemoryGiB: 256, Arch: ArchARM64, EFA: false, OnDemandPrice: 2.464, SpotPrice: 0.6473, AdvisorSavings: 66, Interruptions: 2},
	{Name: "m6i.xlarge", VCPUs: 4, MemoryGiB: 16, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.192, SpotPrice: 0.0828, AdvisorSavings: 59, Interruptions: 4},
	{Name: "m6i.2xlarge", VCPUs: 8, MemoryGiB: 32, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.384, SpotPrice: 0.1688, AdvisorSavings: 54, Interruptions: 3},
	{Name: "m6i.4xlarge", VCPUs: 16, MemoryGiB: 64, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.768, SpotPrice: 0.2197, AdvisorSavings: 66, Interruptions: 4},
	{Name: "m6i.8xlarge", VCPUs: 32, MemoryGiB: 128, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.536, SpotPrice: 0.4832, AdvisorSavings: 67, Interruptions: 4},
	{Name: "m6i.16xlarge", VCPUs: 64, MemoryGiB: 256, Arch: ArchX86_64, EFA: false, OnDemandPrice: 3.072, SpotPrice: 1.087, AdvisorSavings: 55, Interruptions: 2},
	{Name: "m6i.32xlarge", VCPUs: 128, MemoryGiB: 512, Arch: ArchX86_64, EFA: true, OnDemandPrice: 6.144, SpotPrice: 1.8142, AdvisorSavings: 69, Interruptions: 4},
	{Name: "m7g.xlarge", VCPUs: 4, MemoryGiB: 16, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.1632, SpotPrice: 0.0872, AdvisorSavings: 53, Interruptions: 2},
	{Name: "m7g.2xlarge", VCPUs: 8, MemoryGiB: 32, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.3264, SpotPrice: 0.143, AdvisorSavings: 53, Interruptions: 4},
	{Name: "m7g.4xlarge", VCPUs: 16, MemoryGiB: 64, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.6528, SpotPrice: 0.2719, AdvisorSavings: 59, Interruptions: 3},
	{Name: "m7g.8xlarge", VCPUs: 32, MemoryGiB: 128, Arch: ArchARM64, EFA: false, OnDemandPrice: 1.3056, SpotPrice: 0.4921, AdvisorSavings: 60, Interruptions: 1},
	{Name: "m7g.16xlarge", VCPUs: 64, MemoryGiB: 256, Arch: ArchARM64, EFA: true, OnDemandPrice: 2.6112, SpotPrice: 0.92, AdvisorSavings: 63, Interruptions: 0},
	{Name: "m7i.xlarge", VCPUs: 4, MemoryGiB: 16, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.2016, SpotPrice: 0.0885, AdvisorSavings: 56, Interruptions: 4},
	{Name: "m7i.2xlarge", VCPUs: 8, MemoryGiB: 32, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.4032, SpotPrice: 0.1755, AdvisorSavings: 59, Interruptions: 4},
	{Name: "m7i.4xlarge", VCPUs: 16, MemoryGiB: 64, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.8064, SpotPrice: 0.3025, AdvisorSavings: 55, Interruptions: 4},
	{Name: "m7i.8xlarge", VCPUs: 32, MemoryGiB: 128, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.6128, SpotPrice: 0.6002, AdvisorSavings: 50, Interruptions: 1},
	{Name: "m7i.16xlarge", VCPUs: 64, MemoryGiB: 256, Arch: ArchX86_64, EFA: false, OnDemandPrice: 3.2256, SpotPrice: 0.8569, AdvisorSavings: 64, Interruptions: 1},
	{Name: "m7i.48xlarge", VCPUs: 192, MemoryGiB: 768, Arch: ArchX86_64, EFA: true, OnDemandPrice: 9.6768, SpotPrice: 3.5824, AdvisorSavings: 61, Interruptions: 2},
	{Name: "r6i.xlarge", VCPUs: 4, MemoryGiB: 32, Arch: ArchX86_64, EFA: false, OnDemandPrice: 0.252, SpotPrice: 0.2023, AdvisorSavings: 54, Interruptions: 4},
	{Name: "r6i.4xlarge", VCPUs: 16, MemoryGiB: 128, Arch: ArchX86_64, EFA: false, OnDemandPrice: 1.008, SpotPrice: 0.3828, AdvisorSavings: 56, Interruptions: 4},
	{Name: "r6i.16xlarge", VCPUs: 64, MemoryGiB: 512, Arch: ArchX86_64, EFA: false, OnDemandPrice: 4.032, SpotPrice: 1.1769, AdvisorSavings: 71, Interruptions: 4},
	{Name: "r6i.32xlarge", VCPUs: 128, MemoryGiB: 1024, Arch: ArchX86_64, EFA: true, OnDemandPrice: 8.064, SpotPrice: 2.3671, AdvisorSavings: 67, Interruptions: 4},
	{Name: "r7g.xlarge", VCPUs: 4, MemoryGiB: 32, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.2142, SpotPrice: 0.069, AdvisorSavings: 68, Interruptions: 4},
	{Name: "r7g.4xlarge", VCPUs: 16, MemoryGiB: 128, Arch: ArchARM64, EFA: false, OnDemandPrice: 0.8568, SpotPrice: 0.3004, AdvisorSavings: 61, Interruptions: 4},
	{Name: "r7g.16xlarge", VCPUs: 64, MemoryGiB: 512, Arch: ArchARM64, EFA: true, OnDemandPrice: 3.4272, SpotPrice: 0.8116, AdvisorSavings: 74, Interruptions: 2},
}

var byName = func() map[string]InstanceType {
	m := make(map[string]InstanceType, len(catalog))
	for _, t := range catalog {
		m[t.Name] = t
	}
	return m
}()

// Catalog returns a copy of the catalog, sorted by family, then by vCPUs.
func Catalog() []InstanceType { return slices.Clone(catalog) }

// Families returns the catalog's instance families in lexical order.
func Families() []string {
	var fs []string
	for _, t := range catalog {
		if f := t.Family(); !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	sort.Strings(fs)
	return fs
}

// LookupInstance returns the catalog row of an instance type such as
// "c7g.16xlarge". Names are matched without regard to case or surrounding
// space.
func LookupInstance(name string) (InstanceType, bool) {
	t, ok := byName[normalize(name)]
	return t, ok
}

func normalize(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// ExpandInstanceTypes resolves a list of instance types and families, as an
// AWS Batch compute environment's instanceTypes accepts them: "c7g.4xlarge"
// is that type, and a family such as "c7g" is every size of it in the
// catalog. A well-formed type or family the catalog does not hold
// ("x2iedn.8xlarge", "g6f") is kept as given, with only its inferred
// architecture (see ParseInstanceType; Known reports false). The result
// keeps the order of first appearance, without duplicates. Every malformed
// name is reported in one error.
func ExpandInstanceTypes(names []string) ([]InstanceType, error) {
	if len(names) == 0 {
		return nil, errors.New("hpccluster: no instance types given")
	}
	var out []InstanceType
	seen := map[string]bool{}
	add := func(t InstanceType) {
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t)
		}
	}
	var errs []error
	for _, raw := range names {
		name := normalize(raw)
		switch {
		case name == "":
			errs = append(errs, errors.New("hpccluster: empty instance type name"))
		case name == "optimal" || name == "default_x86_64" || name == "default_arm64":
			errs = append(errs, fmt.Errorf("hpccluster: instance type %q is an AWS Batch alias whose types AWS chooses; list families or types instead (catalog families: %s)", raw, strings.Join(Families(), ", ")))
		case strings.Contains(name, "."):
			t, err := ParseInstanceType(raw)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			add(t)
		default:
			found := false
			for _, t := range catalog {
				if t.Family() == name {
					found = true
					add(t)
				}
			}
			if found {
				continue
			}
			if _, _, _, ok := parseFamily(name); !ok {
				errs = append(errs, fmt.Errorf("hpccluster: %q is not the shape of an EC2 instance family (class letters, generation digits, attribute letters: c7g, g6e, p5) nor of a type (<family>.<size>); catalog families: %s", raw, strings.Join(Families(), ", ")))
				continue
			}
			add(InstanceType{Name: name, Arch: archOf(name)})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
