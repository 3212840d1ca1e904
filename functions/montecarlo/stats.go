package montecarlo

import "math"

// Stats summarises a set of samples: their count, mean and sum of squared
// deviations from the mean (M2). Stats of disjoint sets merge exactly (up to
// rounding), which is how shards and chunks are combined.
type Stats struct {
	// N is the number of samples.
	N int64 `json:"samples"`
	// Mean is their arithmetic mean.
	Mean float64 `json:"mean"`
	// M2 is the sum of squared deviations from Mean.
	M2 float64 `json:"m2"`
}

// Merge returns the statistics of the union of the samples of s and o, by the
// pairwise update of Chan, Golub and LeVeque.
func (s Stats) Merge(o Stats) Stats {
	switch {
	case o.N == 0:
		return s
	case s.N == 0:
		return o
	}
	n := s.N + o.N
	delta := o.Mean - s.Mean
	fs, fo, fn := float64(s.N), float64(o.N), float64(n)
	return Stats{
		N:    n,
		Mean: s.Mean + delta*(fo/fn),
		M2:   s.M2 + o.M2 + delta*delta*(fs*fo/fn),
	}
}

// Variance is the unbiased sample variance; 0 for fewer than two samples.
func (s Stats) Variance() float64 {
	if s.N < 2 {
		return 0
	}
	return s.M2 / float64(s.N-1)
}

// StdErr is the standard error of Mean; 0 for fewer than two samples.
func (s Stats) StdErr() float64 {
	if s.N < 2 {
		return 0
	}
	return math.Sqrt(s.Variance() / float64(s.N))
}

// blockStats computes the statistics of xs with a two-pass algorithm.
func blockStats(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	var m2 float64
	for _, x := range xs {
		d := x - mean
		m2 += d * d
	}
	return Stats{N: int64(len(xs)), Mean: mean, M2: m2}
}
