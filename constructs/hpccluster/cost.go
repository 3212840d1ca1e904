package hpccluster

import (
	"fmt"
	"slices"
	"strings"
)

// CostAssumption describes how EstimateHourlyCost turns a list of instance
// types into an hourly figure.
const CostAssumption = "the compute environment runs full at its maximum vCPUs, with no bin-packing waste; " +
	"Spot: the mean Spot price per vCPU-hour over the listed types that are offered as Spot " +
	"(price-capacity-optimized spreads capacity over the cheap, deep pools, so the mean is the expectation " +
	"and the cheapest pool the best case); On-Demand: the same vCPUs at the mean On-Demand price per vCPU-hour " +
	"of those same types, so both sides price one instance mix"

// CostEstimate is the hourly cost of a compute environment at full size.
type CostEstimate struct {
	// InstanceTypes are the expanded instance types, in the order given.
	InstanceTypes []InstanceType
	// VCPUs is the capacity priced: the compute environment's maximum vCPUs.
	VCPUs int
	// SpotPerHour is the expected Spot cost in USD per hour.
	SpotPerHour float64
	// OnDemandPerHour is the cost of the same capacity On-Demand, USD per hour.
	OnDemandPerHour float64
	// SavingsPercent is 100 * (1 - SpotPerHour/OnDemandPerHour).
	SavingsPercent float64
	// CheapestSpot is the listed type with the lowest Spot price per vCPU.
	CheapestSpot InstanceType
	// CheapestSpotPerHour is the best case: all capacity in CheapestSpot.
	CheapestSpotPerHour float64
	// NoSpot lists the given types that are not offered as Spot and so do not
	// enter the estimate.
	NoSpot []string
	// NoPrice lists the given types offered as Spot (or outside the
	// catalog) whose price the catalog does not hold: they do not enter the
	// estimate either. With no priced type at all, the figures are 0.
	NoPrice []string
	// Assumption is CostAssumption.
	Assumption string
}

// EstimateHourlyCost estimates the hourly cost of an AWS Batch Spot compute
// environment of maxVCPUs vCPUs over instanceTypes (types or families, as
// ExpandInstanceTypes takes them), and the On-Demand cost of the same
// capacity, from the catalog's us-east-1 prices. CostAssumption states the
// model. The figures inherit the catalog's caveats: Spot prices vary.
func EstimateHourlyCost(instanceTypes []string, maxVCPUs int) (CostEstimate, error) {
	if maxVCPUs <= 0 {
		return CostEstimate{}, fmt.Errorf("hpccluster: maximum vCPUs must be positive, got %d", maxVCPUs)
	}
	types, err := ExpandInstanceTypes(instanceTypes)
	if err != nil {
		return CostEstimate{}, err
	}
	e := CostEstimate{InstanceTypes: types, VCPUs: maxVCPUs, Assumption: CostAssumption}
	var spotSum, odSum float64
	var n int
	for _, t := range types {
		if !t.SpotAvailable() {
			e.NoSpot = append(e.NoSpot, t.Name)
			continue
		}
		if !t.SpotPriced() || !t.Priced() {
			e.NoPrice = append(e.NoPrice, t.Name)
			continue
		}
		n++
		spotSum += t.SpotPerVCPU()
		odSum += t.OnDemandPerVCPU()
		if e.CheapestSpot.Name == "" || t.SpotPerVCPU() < e.CheapestSpot.SpotPerVCPU() {
			e.CheapestSpot = t
		}
	}
	if n == 0 && len(e.NoPrice) > 0 {
		return e, nil
	}
	if n == 0 {
		return CostEstimate{}, fmt.Errorf("hpccluster: none of the instance types %s is offered as Spot", strings.Join(e.NoSpot, ", "))
	}
	v := float64(maxVCPUs)
	e.SpotPerHour = v * spotSum / float64(n)
	e.OnDemandPerHour = v * odSum / float64(n)
	e.SavingsPercent = 100 * (1 - e.SpotPerHour/e.OnDemandPerHour)
	e.CheapestSpotPerHour = v * e.CheapestSpot.SpotPerVCPU()
	return e, nil
}

// String renders the estimate as a Markdown table with the instance types
// behind it, for a README.
func (e CostEstimate) String() string {
	var b strings.Builder
	if e.CheapestSpot.Name == "" {
		fmt.Fprintf(&b, "%d vCPUs, %s Linux: no price for %s.\n", e.VCPUs, PriceRegion, strings.Join(e.NoPrice, ", "))
		return b.String()
	}
	fmt.Fprintf(&b, "| %d vCPUs, %s Linux | USD per hour |\n|---|---:|\n", e.VCPUs, PriceRegion)
	fmt.Fprintf(&b, "| Spot (expected) | %.2f |\n", e.SpotPerHour)
	fmt.Fprintf(&b, "| Spot (all in %s) | %.2f |\n", e.CheapestSpot.Name, e.CheapestSpotPerHour)
	fmt.Fprintf(&b, "| On-Demand | %.2f |\n", e.OnDemandPerHour)
	fmt.Fprintf(&b, "| Savings | %.0f%% |\n\n", e.SavingsPercent)
	b.WriteString(MarkdownTable(e.InstanceTypes))
	fmt.Fprintf(&b, "\nAssumption: %s.", e.Assumption)
	if len(e.NoSpot) > 0 {
		fmt.Fprintf(&b, " Not offered as Spot, left out: %s.", strings.Join(e.NoSpot, ", "))
	}
	if len(e.NoPrice) > 0 {
		fmt.Fprintf(&b, " No price for %s, left out.", strings.Join(e.NoPrice, ", "))
	}
	// Every On-Demand reading behind the listed types, in order.
	var readings []string
	for _, t := range e.InstanceTypes {
		if r := fmt.Sprintf("%s, as of %s", t.OnDemandSource, t.OnDemandAsOf); t.Priced() && !slices.Contains(readings, r) {
			readings = append(readings, r)
		}
	}
	fmt.Fprintf(&b, "\nPrices: On-Demand from the %s; Spot from the %s, fetched %s, a quote of one moment (Spot prices vary by Availability Zone and over time); interruption bands from the Spot Instance Advisor.\n",
		strings.Join(readings, "; and from the "), SpotPriceSource, SpotPricesAsOf)
	return b.String()
}

// MarkdownTable renders instance types as a Markdown table.
func MarkdownTable(types []InstanceType) string {
	var b strings.Builder
	b.WriteString("| Instance type | vCPUs | Memory (GiB) | Arch | EFA | On-Demand $/h | Spot $/h | Spot $/vCPU-h | Interruptions |\n")
	b.WriteString("|---|---:|---:|---|---|---:|---:|---:|---|\n")
	for _, t := range types {
		efa := ""
		if t.EFA {
			efa = "yes"
		}
		if !t.Known() {
			fmt.Fprintf(&b, "| %s | ? | ? | %s | ? | no price | no price | no price | ? |\n", t.Name, t.Arch)
			continue
		}
		od := fmt.Sprintf("%.4f", t.OnDemandPrice)
		if !t.Priced() {
			od = "no price"
		}
		spot, perVCPU, interruptions := "n/a", "n/a", "n/a"
		if t.SpotAvailable() && !t.SpotPriced() {
			spot, perVCPU, interruptions = "no price", "no price", t.Interruptions.String()
		} else if t.SpotAvailable() {
			spot, perVCPU, interruptions = fmt.Sprintf("%.4f", t.SpotPrice), fmt.Sprintf("%.5f", t.SpotPerVCPU()), t.Interruptions.String()
		}
		fmt.Fprintf(&b, "| %s | %d | %g | %s | %s | %s | %s | %s | %s |\n", t.Name, t.VCPUs, t.MemoryGiB, t.Arch, efa, od, spot, perVCPU, interruptions)
	}
	return b.String()
}

// CostLine is one part of a cluster at full size: a Batch compute
// environment at its maximum vCPUs, or a Slurm node group at its maximum
// instances.
type CostLine struct {
	// Name says what is priced: "queue spot, Spot environment",
	// "Slurm queue ondemand, On-Demand node group", "Slurm login node".
	Name string
	// Spot is true for Spot capacity (priced with EstimateHourlyCost's
	// model), false for On-Demand.
	Spot bool
	// VCPUs (Batch) or Instances (Slurm) is the capacity priced.
	VCPUs, Instances int
	// PerHour is the USD per hour at full size over the priced types; 0
	// when none is priced.
	PerHour float64
	// NoPrice lists the types the catalog holds no price for.
	NoPrice []string
}

// ClusterCost prices every compute environment or node group of a cluster
// at full size, in either mode, from the catalog.
type ClusterCost struct {
	Mode  Mode
	Lines []CostLine
	// MaxPerHour is the sum of the lines: every environment or node group
	// full at once, the cluster's ceiling.
	MaxPerHour float64
	// NoPrice lists what is not in the sum: types without a catalog price,
	// and the AWS PCS cluster controller (Slurm mode), which the catalog
	// does not price.
	NoPrice []string
	// Dates are the catalog's dates and sources (CatalogDates).
	Dates []string
}

// String renders the cost as Markdown.
func (c ClusterCost) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| %s mode, %s Linux, at full size | Capacity | USD per hour |\n|---|---:|---:|\n", c.Mode, PriceRegion)
	for _, l := range c.Lines {
		capacity := fmt.Sprintf("%d vCPUs", l.VCPUs)
		if l.Instances > 0 {
			capacity = fmt.Sprintf("%d instances", l.Instances)
		}
		price := fmt.Sprintf("%.2f", l.PerHour)
		if l.PerHour == 0 {
			price = "no price"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", l.Name, capacity, price)
	}
	fmt.Fprintf(&b, "| All at once | | %.2f |\n", c.MaxPerHour)
	if len(c.NoPrice) > 0 {
		fmt.Fprintf(&b, "\nNo price for %s: not in the sum.\n", strings.Join(c.NoPrice, ", "))
	}
	fmt.Fprintf(&b, "\nCatalog dates: %s.\n", strings.Join(c.Dates, "; "))
	return b.String()
}

// onDemandPerHour is capacity vCPUs at the mean On-Demand price per vCPU of
// the priced types, and the types without a price.
func onDemandPerHour(types []InstanceType, vcpus int) (float64, []string) {
	var sum float64
	var n int
	var noPrice []string
	for _, t := range types {
		if !t.Known() || !t.Priced() {
			noPrice = append(noPrice, t.Name)
			continue
		}
		sum += t.OnDemandPerVCPU()
		n++
	}
	if n == 0 {
		return 0, noPrice
	}
	return float64(vcpus) * sum / float64(n), noPrice
}

// perInstance is instances at the mean price per instance of the priced
// types (Spot or On-Demand), and the types without a price.
func perInstance(types []InstanceType, instances int, spot bool) (float64, []string) {
	var sum float64
	var n int
	var noPrice []string
	for _, t := range types {
		price := t.OnDemandPrice
		if spot {
			price = t.SpotPrice
		}
		if !t.Known() || price <= 0 {
			noPrice = append(noPrice, t.Name)
			continue
		}
		sum += price
		n++
	}
	if n == 0 {
		return 0, noPrice
	}
	return float64(instances) * sum / float64(n), noPrice
}
