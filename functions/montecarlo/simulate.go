package montecarlo

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	// chunkSize is the number of samples in one unit of work of a worker
	// goroutine. Chunks are aligned to multiples of chunkSize in the global
	// sample numbering, so the merge order does not depend on the number of
	// workers.
	chunkSize = 1 << 16
	// blockSize is the number of payoffs summarised at once by the two-pass
	// mean and variance.
	blockSize = 4096
)

// ShardRange returns the first sample number and the sample count of shard
// index of size shards sharing total samples: the shards are contiguous,
// disjoint, cover 0..total-1, and differ in size by at most one.
func ShardRange(total int64, size, index int) (first, n int64) {
	base, rem := total/int64(size), total%int64(size)
	i := int64(index)
	first = i*base + min(i, rem)
	n = base
	if i < rem {
		n++
	}
	return first, n
}

// Simulate prices opt over samples first..first+n-1 of the run keyed by seed,
// on workers goroutines (GOMAXPROCS when workers < 1). The result depends on
// opt, seed, first and n only.
func Simulate(ctx context.Context, opt Option, seed uint64, first, n int64, workers int) (Stats, error) {
	if err := opt.Validate(); err != nil {
		return Stats{}, err
	}
	if first < 0 || n < 0 || first > (1<<62)-n {
		return Stats{}, fmt.Errorf("montecarlo: invalid sample range first=%d n=%d", first, n)
	}
	if n == 0 {
		return Stats{}, nil
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	end := first + n
	firstChunk, lastChunk := first/chunkSize, (end-1)/chunkSize
	chunks := make([]Stats, lastChunk-firstChunk+1)
	workers = min(workers, len(chunks))

	key := streamKey(seed)
	p := newPricer(opt)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			buf := make([]float64, 0, blockSize+2)
			for {
				if ctx.Err() != nil {
					return
				}
				c := next.Add(1) - 1
				if c >= int64(len(chunks)) {
					return
				}
				lo := max(first, (firstChunk+c)*chunkSize)
				hi := min(end, (firstChunk+c+1)*chunkSize)
				chunks[c] = simulateRange(key, p, lo, hi, buf)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	var total Stats
	for _, s := range chunks {
		total = total.Merge(s)
	}
	return total, nil
}

// simulateRange summarises the payoffs of samples lo..hi-1, block by block.
func simulateRange(key uint64, p pricer, lo, hi int64, buf []float64) Stats {
	var st Stats
	buf = buf[:0]
	flush := func() {
		st = st.Merge(blockStats(buf))
		buf = buf[:0]
	}
	i := lo
	if i < hi && i%2 == 1 {
		buf = append(buf, p.payoff(normal(key, i)))
		i++
	}
	for ; i+1 < hi; i += 2 {
		z0, z1 := normalPair(key, i/2)
		buf = append(buf, p.payoff(z0), p.payoff(z1))
		if len(buf) >= blockSize {
			flush()
		}
	}
	if i < hi {
		buf = append(buf, p.payoff(normal(key, i)))
	}
	flush()
	return st
}
