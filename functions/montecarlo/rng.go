package montecarlo

import "math"

// The random numbers are a counter-based SplitMix64 stream: output c of the
// stream keyed by k is mix(k + (c+1)*golden), the c-th output of a SplitMix64
// generator seeded with k. Any output can be computed without the ones before
// it, which is what makes shards and chunks independent of each other.

const golden = 0x9e3779b97f4a7c15

// seedDomain separates this workload's streams from any other use of the
// same base seed.
const seedDomain = 0x6d6f6e746563726c // "montecrl"

// mix is the SplitMix64 finaliser (Stafford's variant 13).
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// streamKey derives the stream key of a run from its base seed.
func streamKey(seed uint64) uint64 { return mix(seed ^ seedDomain) }

// normalPair returns the two standard normal variates of pair p (samples 2p
// and 2p+1) by the Box-Muller transform of stream outputs 2p and 2p+1.
func normalPair(key uint64, p int64) (z0, z1 float64) {
	c := uint64(p) * 2
	a := mix(key + (c+1)*golden)
	b := mix(key + (c+2)*golden)
	// u1 in (0, 1] so that the logarithm is finite; u2 in [0, 1).
	u1 := float64((a>>11)+1) * 0x1p-53
	u2 := float64(b>>11) * 0x1p-53
	r := math.Sqrt(-2 * math.Log(u1))
	s, co := math.Sincos(2 * math.Pi * u2)
	return r * co, r * s
}

// normal returns the standard normal variate of sample i.
func normal(key uint64, i int64) float64 {
	z0, z1 := normalPair(key, i/2)
	if i%2 == 0 {
		return z0
	}
	return z1
}
