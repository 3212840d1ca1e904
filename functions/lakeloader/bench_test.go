package lakeloader_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gureum-cdk/gureum/functions/lakeloader"
)

// BenchmarkLoad lands 300,000 records over 100 days against the test S3
// server and reports records/s and objects per partition (1 is ideal: no
// partition here exceeds MaxObjectBytes). "interleaved" sends consecutive
// records to different days, the worst case for MaxOpenPartitions=4.
//
//	go test ./functions/lakeloader -run '^$' -bench Load -benchtime 3x
func BenchmarkLoad(b *testing.B) {
	const n, days = 300_000, 100
	inter, byPart := interleaved(n, days)
	var clustered strings.Builder
	for _, p := range slices.Sorted(maps.Keys(byPart)) {
		clustered.WriteString(strings.Join(byPart[p], "\n") + "\n")
	}
	for _, bc := range []struct {
		name  string
		in    string
		open  int
		runKB int
	}{
		{"interleaved/open=4", inter, 4, 0},
		{"interleaved/open=4/runs=1MiB", inter, 4, 1 << 10},
		{"interleaved/open=64", inter, 64, 0},
		{"clustered/open=4", clustered.String(), 4, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bucket := newBucket(b)
			l, err := lakeloader.New(srv.Client(), lakeloader.Options{Bucket: bucket, Prefix: "bench/", TimeField: "ts", DisableSSE: true,
				MaxOpenPartitions: bc.open, SortBufferBytes: bc.runKB << 10, TempDir: b.TempDir(), Now: fixedNow})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(bc.in)))
			var objects, partitions int
			start := time.Now()
			for b.Loop() {
				res, err := l.Load(context.Background(), lakeloader.Input{Name: "bench", Reader: strings.NewReader(bc.in)})
				if err != nil {
					b.Fatal(err)
				}
				objects, partitions = len(res.Objects), res.Partitions
			}
			b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "records/s")
			b.ReportMetric(float64(objects)/float64(partitions), "objects/partition")
			if partitions != days {
				b.Fatalf("%d partitions, want %d", partitions, days)
			}
		})
	}
}
