package lakeloader

import (
	"bufio"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// stage holds the records of partitions beyond MaxOpenPartitions until the
// input is read, so that each such partition can be spooled in one piece.
// Records are buffered in memory up to SortBufferBytes, then sorted by
// partition (stably: input order is kept within a partition) and written to
// a run file. each merges the runs and the buffer back in partition order.
type stage struct {
	parts map[string]bool
	arena []byte
	recs  []staged
	runs  []string
}

type staged struct {
	partition string
	off, n    int
}

func (s *stage) has(partition string) bool { return s.parts[partition] }

func (s *stage) add(b *batch, partition string, rec []byte) error {
	if s.parts == nil {
		s.parts = map[string]bool{}
	}
	s.parts[partition] = true
	s.recs = append(s.recs, staged{partition, len(s.arena), len(rec)})
	s.arena = append(s.arena, rec...)
	if len(s.arena) >= b.l.opts.SortBufferBytes {
		return s.spill(b)
	}
	return nil
}

// sortBuffer orders the buffered records by partition, keeping input order
// within a partition.
func (s *stage) sortBuffer() {
	slices.SortStableFunc(s.recs, func(x, y staged) int { return strings.Compare(x.partition, y.partition) })
}

// spill writes the sorted buffer to a new run file and empties the buffer.
func (s *stage) spill(b *batch) error {
	s.sortBuffer()
	path, err := writeRun(b.l.opts.TempDir, func(emit func(string, []byte) error) error {
		for _, r := range s.recs {
			if err := emit(r.partition, s.arena[r.off:r.off+r.n]); err != nil {
				return err
			}
		}
		return nil
	})
	if path != "" {
		s.runs = append(s.runs, path)
	}
	if err != nil {
		return err
	}
	s.recs, s.arena = s.recs[:0], s.arena[:0]
	return nil
}

// each calls fn for every staged record, in partition order and, within a
// partition, in input order.
func (s *stage) each(ctx context.Context, b *batch, fn func(partition string, rec []byte) error) error {
	if len(s.runs) == 0 {
		s.sortBuffer()
		for i, r := range s.recs {
			if i%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("lakeloader: %w", err)
				}
			}
			if err := fn(r.partition, s.arena[r.off:r.off+r.n]); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.recs) > 0 {
		if err := s.spill(b); err != nil {
			return err
		}
	}
	s.arena, s.recs = nil, nil
	// Merge runs in order-preserving groups until one merge can read them all.
	for len(s.runs) > maxMergeFanIn {
		var next []string
		for i := 0; i < len(s.runs); i += maxMergeFanIn {
			group := s.runs[i:min(i+maxMergeFanIn, len(s.runs))]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			path, err := writeRun(b.l.opts.TempDir, func(emit func(string, []byte) error) error {
				return mergeRuns(ctx, group, b.seen, emit)
			})
			if path != "" {
				next = append(next, path)
			}
			if err != nil {
				s.runs = append(next, s.runs[i:]...)
				return err
			}
			for _, p := range group {
				os.Remove(p)
			}
		}
		s.runs = next
	}
	return mergeRuns(ctx, s.runs, b.seen, fn)
}

func (s *stage) remove() {
	for _, p := range s.runs {
		os.Remove(p)
	}
	s.runs = nil
}

// A run file is a sequence of records, each written as
// uvarint(len(partition)) partition uvarint(len(record)) record.

// writeRun creates a run file in dir and fills it through fill. It returns
// the file's path whenever the file was created, so that the caller can
// remove it.
func writeRun(dir string, fill func(emit func(string, []byte) error) error) (string, error) {
	f, err := os.CreateTemp(dir, "lakeload-run-*")
	if err != nil {
		return "", fmt.Errorf("lakeloader: sort run file: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	var hdr [binary.MaxVarintLen64]byte
	err = fill(func(partition string, rec []byte) error {
		w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(partition)))])
		w.WriteString(partition)
		w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(rec)))])
		_, err := w.Write(rec)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return f.Name(), fmt.Errorf("lakeloader: sort run %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// runReader reads one run file.
type runReader struct {
	idx       int
	file      *os.File
	r         *bufio.Reader
	partition string
	rec       []byte
}

// next reads the next record; it returns io.EOF after the last one.
func (rr *runReader) next(parts map[string]string) error {
	n, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return err // io.EOF at a record boundary
	}
	name := make([]byte, n)
	if _, err := io.ReadFull(rr.r, name); err != nil {
		return noEOF(err)
	}
	p, ok := parts[string(name)]
	if !ok {
		return fmt.Errorf("unknown partition %q", name)
	}
	if n, err = binary.ReadUvarint(rr.r); err != nil {
		return noEOF(err)
	}
	rr.rec = slices.Grow(rr.rec[:0], int(n))[:n]
	if _, err := io.ReadFull(rr.r, rr.rec); err != nil {
		return noEOF(err)
	}
	rr.partition = p
	return nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// runHeap orders run readers by their current record's partition, then by
// run index, so that records of one partition come out in input order.
type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	if c := strings.Compare(h[i].partition, h[j].partition); c != 0 {
		return c < 0
	}
	return h[i].idx < h[j].idx
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRuns calls fn for every record of the sorted runs in paths, in
// partition order and, within a partition, in run order.
func mergeRuns(ctx context.Context, paths []string, parts map[string]string, fn func(string, []byte) error) error {
	var h runHeap
	defer func() {
		for _, rr := range h {
			rr.file.Close()
		}
	}()
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("lakeloader: sort run: %w", err)
		}
		rr := &runReader{idx: i, file: f, r: bufio.NewReaderSize(f, 64<<10)}
		switch err := rr.next(parts); {
		case errors.Is(err, io.EOF):
			f.Close()
		case err != nil:
			f.Close()
			return fmt.Errorf("lakeloader: sort run %s: %w", p, err)
		default:
			h = append(h, rr)
		}
	}
	heap.Init(&h)
	for n := 0; len(h) > 0; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("lakeloader: %w", err)
			}
		}
		rr := h[0]
		if err := fn(rr.partition, rr.rec); err != nil {
			return err
		}
		switch err := rr.next(parts); {
		case errors.Is(err, io.EOF):
			heap.Pop(&h)
			rr.file.Close()
		case err != nil:
			return fmt.Errorf("lakeloader: sort run %s: %w", paths[rr.idx], err)
		default:
			heap.Fix(&h, 0)
		}
	}
	return nil
}
