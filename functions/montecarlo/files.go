package montecarlo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Model names the simulated model in part and result files.
const Model = "gbm-european-option"

// formatVersion is the version of the part and result file layout.
const formatVersion = 1

// Part is the partial result of one array child, stored as
// part-<index>.json.
type Part struct {
	FormatVersion int    `json:"formatVersion"`
	Model         string `json:"model"`
	Option        Option `json:"option"`
	Seed          uint64 `json:"seed"`
	ArraySize     int    `json:"arraySize"`
	Index         int    `json:"index"`
	// TotalSamples is the sample count of the whole run (all children).
	TotalSamples int64 `json:"totalSamples"`
	// FirstSample is the number of this shard's first sample.
	FirstSample int64 `json:"firstSample"`
	// Stats summarises the discounted payoffs of this shard's samples.
	Stats
	// StdErr is Stats.StdErr, stored for readers of the file.
	StdErr float64 `json:"stdErr"`
}

// Result is the combined estimate of a run, stored as result.json.
type Result struct {
	FormatVersion int    `json:"formatVersion"`
	Model         string `json:"model"`
	Option        Option `json:"option"`
	Seed          uint64 `json:"seed"`
	ArraySize     int    `json:"arraySize"`
	Stats
	// Estimate is the Monte Carlo price (Stats.Mean).
	Estimate float64 `json:"estimate"`
	// StdErr is the standard error of Estimate.
	StdErr float64 `json:"stdErr"`
	// CI95 is the 95% confidence interval Estimate ± 1.96 StdErr.
	CI95 [2]float64 `json:"ci95"`
	// Analytic is the Black-Scholes price of the same option.
	Analytic float64 `json:"analytic"`
	// ZScore is (Estimate - Analytic) / StdErr; null when StdErr is 0 (every
	// payoff was the same), where no z-score exists.
	ZScore *float64 `json:"zScore"`
	// SelfCheck says whether Estimate agrees with Analytic: within
	// MaxZScore standard errors, or, with a zero standard error, equal up to
	// rounding. A failed check points to a defect (or to parameters the
	// sampler cannot represent), not to chance.
	SelfCheck SelfCheck `json:"selfCheck"`
}

// MaxZScore is the largest |ZScore| the self-check accepts. A correct run
// exceeds it by chance about once in 1.7 million.
const MaxZScore = 5

// SelfCheck is the verdict of comparing a run's estimate with the
// Black-Scholes price.
type SelfCheck struct {
	Passed bool   `json:"passed"`
	Reason string `json:"reason"`
}

// selfCheck compares an estimate with its standard error against the
// analytic price.
func selfCheck(estimate, stdErr, analytic float64) (*float64, SelfCheck) {
	diff := estimate - analytic
	if stdErr == 0 || math.IsNaN(stdErr) {
		// Every payoff was equal: the estimate carries no sampling error, so
		// it must equal the analytic price up to rounding.
		if math.Abs(diff) <= 1e-9*max(1, math.Abs(analytic)) {
			return nil, SelfCheck{true, fmt.Sprintf("standard error is 0 and the estimate %v equals the Black-Scholes price %v", estimate, analytic)}
		}
		return nil, SelfCheck{false, fmt.Sprintf("standard error is 0 but the estimate %v differs from the Black-Scholes price %v by %v: every sampled payoff was equal, so the simulation cannot represent this option", estimate, analytic, diff)}
	}
	z := diff / stdErr
	if math.Abs(z) <= MaxZScore {
		return &z, SelfCheck{true, fmt.Sprintf("estimate is %.2f standard errors from the Black-Scholes price", z)}
	}
	return &z, SelfCheck{false, fmt.Sprintf("estimate %v ± %v is %.2f standard errors from the Black-Scholes price %v, beyond %d", estimate, stdErr, z, analytic, MaxZScore)}
}

// PartName is the file name of the part of array child index.
func PartName(index int) string { return "part-" + strconv.Itoa(index) + ".json" }

// ResultName is the file name of a run's combined result.
const ResultName = "result.json"

var partNameRE = regexp.MustCompile(`^part-(0|[1-9][0-9]*)\.json$`)

// encodeJSON renders v as indented JSON with a trailing newline; the output
// is a deterministic function of v.
func encodeJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteFileAtomic writes data to path so that readers see either the previous
// file or the complete new one, never a partial write: it writes a temporary
// file in the same directory, flushes it to stable storage, and renames it
// over path. The directory is created if needed.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
	}
	// Make the rename itself durable. Some file systems cannot sync a
	// directory; the data is already in place, so that is not an error.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ReadParts reads the parts of a run from dir and checks that they are
// exactly parts 0..arraySize-1 of one run: same model, option, seed, array
// size and total samples, with contiguous sample ranges covering the run.
func ReadParts(dir string, arraySize int) ([]Part, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read parts: %w", err)
	}
	parts := make([]*Part, arraySize)
	var extra []string
	for _, e := range entries {
		m := partNameRE.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		idx, err := strconv.Atoi(m[1])
		if err != nil || idx >= arraySize {
			extra = append(extra, e.Name())
			continue
		}
		p, err := readPart(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if p.Index != idx {
			return nil, fmt.Errorf("%s holds the part of index %d", filepath.Join(dir, e.Name()), p.Index)
		}
		parts[idx] = &p
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, fmt.Errorf("%s holds parts beyond array size %d: %s", dir, arraySize, strings.Join(extra, ", "))
	}
	var missing []string
	for i, p := range parts {
		if p == nil {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s lacks %d of %d parts; missing indices: %s", dir, len(missing), arraySize, abbreviate(missing, 20))
	}
	out := make([]Part, arraySize)
	ref := parts[0]
	var next int64
	for i, p := range parts {
		switch {
		case p.FormatVersion != formatVersion || p.Model != Model:
			return nil, fmt.Errorf("part %d: model %q format %d, want %q format %d", i, p.Model, p.FormatVersion, Model, formatVersion)
		case p.Option != ref.Option:
			return nil, fmt.Errorf("part %d: option %+v differs from part 0's %+v", i, p.Option, ref.Option)
		case p.Seed != ref.Seed:
			return nil, fmt.Errorf("part %d: seed %d differs from part 0's %d", i, p.Seed, ref.Seed)
		case p.ArraySize != arraySize:
			return nil, fmt.Errorf("part %d: array size %d, want %d", i, p.ArraySize, arraySize)
		case p.TotalSamples != ref.TotalSamples:
			return nil, fmt.Errorf("part %d: total samples %d differs from part 0's %d", i, p.TotalSamples, ref.TotalSamples)
		case p.FirstSample != next:
			return nil, fmt.Errorf("part %d: first sample %d, want %d (parts must cover the run contiguously)", i, p.FirstSample, next)
		}
		next += p.N
		out[i] = *p
	}
	if next != ref.TotalSamples {
		return nil, fmt.Errorf("parts cover %d samples, want %d", next, ref.TotalSamples)
	}
	return out, nil
}

func readPart(path string) (Part, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Part{}, fmt.Errorf("read part: %w", err)
	}
	var p Part
	if err := json.Unmarshal(b, &p); err != nil {
		return Part{}, fmt.Errorf("decode %s: %w", path, err)
	}
	return p, nil
}

// Combine merges parts (in index order) into the run's result.
func Combine(parts []Part) (Result, error) {
	if len(parts) == 0 {
		return Result{}, errors.New("no parts to combine")
	}
	var st Stats
	for _, p := range parts {
		st = st.Merge(p.Stats)
	}
	return newResult(parts[0].Option, parts[0].Seed, parts[0].ArraySize, st), nil
}

func newResult(opt Option, seed uint64, arraySize int, st Stats) Result {
	se := st.StdErr()
	r := Result{
		FormatVersion: formatVersion,
		Model:         Model,
		Option:        opt,
		Seed:          seed,
		ArraySize:     arraySize,
		Stats:         st,
		Estimate:      st.Mean,
		StdErr:        se,
		CI95:          [2]float64{st.Mean - 1.96*se, st.Mean + 1.96*se},
		Analytic:      opt.BlackScholes(),
	}
	r.ZScore, r.SelfCheck = selfCheck(r.Estimate, se, r.Analytic)
	return r
}

func abbreviate(items []string, limit int) string {
	if len(items) <= limit {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:limit], ", ") + fmt.Sprintf(", ... (%d more)", len(items)-limit)
}
