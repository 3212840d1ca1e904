package stackreport

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

// CloudFormation quotas per stack.
const (
	MaxResources  = 500
	MaxOutputs    = 200
	MaxParameters = 200
	MaxMappings   = 200
	// MaxTemplateBytes is the largest template CloudFormation accepts from S3 (1 MB).
	MaxTemplateBytes = 1_048_576
	// MaxDirectUploadBytes is the largest template body passed inline to
	// CreateStack/UpdateStack; larger templates must go through S3 (the CDK's
	// bootstrap bucket does this for you).
	MaxDirectUploadBytes = 51_200
	// WarnRatio is the share of a quota from which a measure is reported "warn".
	WarnRatio = 0.8
)

// Measure is one quantity against its quota.
type Measure struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
	Limit int64  `json:"limit"`
	// Status is "ok", "warn" (at least 80% of the limit) or "over"; "info" for
	// a limit that is informational (the direct-upload size).
	Status string `json:"status"`
}

// TypeCount counts the resources of one type.
type TypeCount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// NagCount counts cdk-nag report rows of one rule level, by the row's
// Compliance column.
type NagCount struct {
	Level string `json:"level"`
	// Compliant rows: the rule checked the resource and it passed.
	Compliant    int `json:"compliant"`
	NonCompliant int `json:"nonCompliant"`
	Suppressed   int `json:"suppressed"`
	// Unknown rows ("UNKNOWN"): the rule could not evaluate the resource.
	Unknown int `json:"unknown"`
}

// NagFinding is one non-compliant row of a cdk-nag report.
type NagFinding struct {
	Pack       string `json:"pack"`
	RuleID     string `json:"ruleId"`
	ResourceID string `json:"resourceId"`
	Level      string `json:"level"`
	Info       string `json:"info"`
}

// Stack is the report of one stack.
type Stack struct {
	Name          string       `json:"name"`
	TemplateFile  string       `json:"templateFile"`
	Measures      []Measure    `json:"measures"`
	ResourceTypes []TypeCount  `json:"resourceTypes"`
	Nag           []NagCount   `json:"nag,omitempty"`
	NagFindings   []NagFinding `json:"nagFindings,omitempty"`
	// Notes are what gureum's constructs recorded for reports (construct
	// metadata of type assembly.NotePrefix...): an HPCCluster's cost
	// estimate and the dates of its prices, say.
	Notes []assembly.Note `json:"notes,omitempty"`
}

// Report covers every stack of an assembly.
type Report struct {
	Stacks []Stack `json:"stacks"`
	// NagFiles lists the cdk-nag reports read, relative to the assembly.
	NagFiles []string `json:"nagFiles"`
}

func measure(name string, v, limit int64, info bool) Measure {
	m := Measure{Name: name, Value: v, Limit: limit, Status: "ok"}
	switch {
	case info:
		m.Status = "info"
		if v > limit {
			m.Status = "info: over"
		}
	case v > limit:
		m.Status = "over"
	case float64(v) >= WarnRatio*float64(limit):
		m.Status = "warn"
	}
	return m
}

// Build reports on every stack of a.
func Build(a *assembly.Assembly) (*Report, error) {
	r := &Report{Stacks: []Stack{}, NagFiles: []string{}}
	for _, s := range a.Stacks {
		t := s.Template
		st := Stack{Name: s.Name, TemplateFile: s.TemplateFile, Notes: s.Notes}
		if rel, err := filepath.Rel(a.Dir, s.TemplateFile); a.Dir != "" && err == nil {
			st.TemplateFile = filepath.ToSlash(rel)
		}
		st.Measures = []Measure{
			measure("resources", int64(len(t.Resources)), MaxResources, false),
			measure("template bytes", s.TemplateSize, MaxTemplateBytes, false),
			measure("template bytes (direct upload)", s.TemplateSize, MaxDirectUploadBytes, true),
			measure("outputs", int64(len(t.Outputs)), MaxOutputs, false),
			measure("parameters", int64(len(t.Parameters)), MaxParameters, false),
			measure("mappings", int64(len(t.Mappings)), MaxMappings, false),
		}
		counts := map[string]int{}
		for _, res := range t.Resources {
			counts[res.Type]++
		}
		for typ, n := range counts {
			st.ResourceTypes = append(st.ResourceTypes, TypeCount{typ, n})
		}
		sort.Slice(st.ResourceTypes, func(i, j int) bool {
			a, b := st.ResourceTypes[i], st.ResourceTypes[j]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.Type < b.Type
		})
		r.Stacks = append(r.Stacks, st)
	}
	if a.Dir != "" {
		if err := r.readNag(a); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// readNag reads the cdk-nag CSV reports in the assembly's root directory, where
// cdk-nag writes them for every stack of the app, stages included. A row
// belongs to the stack whose construct path prefixes its Resource ID.
func (r *Report) readNag(a *assembly.Assembly) error {
	files, err := filepath.Glob(filepath.Join(a.Dir, "*-NagReport.csv"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		base := filepath.Base(f)
		r.NagFiles = append(r.NagFiles, base)
		pack, _, _ := strings.Cut(base, "-")
		rows, err := readNagCSV(f)
		if err != nil {
			return err
		}
		for _, row := range rows {
			i := r.stackFor(row[1], base, a)
			if i < 0 {
				continue
			}
			st := &r.Stacks[i]
			level := row[4]
			var c *NagCount
			for k := range st.Nag {
				if st.Nag[k].Level == level {
					c = &st.Nag[k]
				}
			}
			if c == nil {
				st.Nag = append(st.Nag, NagCount{Level: level})
				c = &st.Nag[len(st.Nag)-1]
			}
			switch row[2] {
			case "Compliant":
				c.Compliant++
			case "Non-Compliant":
				c.NonCompliant++
				st.NagFindings = append(st.NagFindings, NagFinding{Pack: pack, RuleID: row[0], ResourceID: row[1], Level: level, Info: row[5]})
			case "Suppressed":
				c.Suppressed++
			default: // "UNKNOWN": the rule could not evaluate the resource
				c.Unknown++
			}
		}
	}
	for i := range r.Stacks {
		sort.Slice(r.Stacks[i].Nag, func(a, b int) bool { return levelRank(r.Stacks[i].Nag[a].Level) < levelRank(r.Stacks[i].Nag[b].Level) })
	}
	return nil
}

func levelRank(l string) int {
	switch l {
	case "Error":
		return 0
	case "Warning":
		return 1
	case "Info":
		return 2
	}
	return 3
}

var nagHeader = []string{"Rule ID", "Resource ID", "Compliance", "Exception Reason", "Rule Level", "Rule Info"}

func readNagCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = len(nagHeader)
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, &assembly.InputError{Path: path, Err: fmt.Errorf("not a cdk-nag CSV report: %v", err)}
	}
	if strings.Join(head, ",") != strings.Join(nagHeader, ",") {
		return nil, &assembly.InputError{Path: path, Err: fmt.Errorf("not a cdk-nag CSV report: header %q, want %q", strings.Join(head, ","), strings.Join(nagHeader, ","))}
	}
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, &assembly.InputError{Path: path, Err: fmt.Errorf("cdk-nag CSV report: %v", err)}
	}
	return rows, nil
}

func (r *Report) stackFor(resourceID, file string, a *assembly.Assembly) int {
	best, bestLen := -1, 0
	for i, s := range a.Stacks {
		if strings.HasPrefix(resourceID, s.Name+"/") && len(s.Name) > bestLen {
			best, bestLen = i, len(s.Name)
		}
	}
	if best >= 0 {
		return best
	}
	for i, s := range a.Stacks { // fall back on the file name: <pack>-<stage>-<stackName>-NagReport.csv
		for _, n := range []string{s.StackName, s.ArtifactID} {
			if n != "" && strings.HasSuffix(file, "-"+n+"-NagReport.csv") {
				return i
			}
		}
	}
	return -1
}

// WriteText writes r for a terminal or a CI log.
func WriteText(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	for _, st := range r.Stacks {
		fmt.Fprintf(bw, "Stack %s (%s)\n", st.Name, st.TemplateFile)
		for _, m := range st.Measures {
			fmt.Fprintf(bw, "  %-31s %9d / %-9d %5.1f%%  %s\n", m.Name, m.Value, m.Limit, 100*float64(m.Value)/float64(m.Limit), m.Status)
		}
		fmt.Fprintf(bw, "  resources by type:\n")
		for _, tc := range st.ResourceTypes {
			fmt.Fprintf(bw, "    %4d  %s\n", tc.Count, tc.Type)
		}
		if len(st.Notes) > 0 {
			fmt.Fprintf(bw, "  notes:\n")
			for _, n := range st.Notes {
				fmt.Fprintf(bw, "    %s %s: %s\n", n.Path, n.Type, noteText(n.Data))
			}
		}
		if len(st.Nag) > 0 {
			fmt.Fprintf(bw, "  cdk-nag:\n")
			for _, c := range st.Nag {
				fmt.Fprintf(bw, "    %-8s %d compliant, %d non-compliant, %d suppressed, %d unknown\n", c.Level, c.Compliant, c.NonCompliant, c.Suppressed, c.Unknown)
			}
			for _, f := range st.NagFindings {
				fmt.Fprintf(bw, "    ! %s %s %s\n", f.Level, f.RuleID, f.ResourceID)
			}
		}
		fmt.Fprintln(bw)
	}
	if len(r.NagFiles) == 0 {
		fmt.Fprintln(bw, "cdk-nag: no *-NagReport.csv in the assembly")
	} else {
		fmt.Fprintf(bw, "cdk-nag reports: %s\n", strings.Join(r.NagFiles, ", "))
	}
	return bw.Flush()
}

// WriteMarkdown writes r as Markdown tables.
func WriteMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "## gureum report\n\n| Stack | Resources | Template bytes | Outputs | Parameters | cdk-nag non-compliant | suppressed | compliant |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, st := range r.Stacks {
		var nc, sup, ok int
		for _, c := range st.Nag {
			nc += c.NonCompliant
			sup += c.Suppressed
			ok += c.Compliant
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %d | %d | %d |\n", st.Name, mdMeasure(st.Measures[0]), mdMeasure(st.Measures[1]), mdMeasure(st.Measures[3]), mdMeasure(st.Measures[4]), nc, sup, ok)
	}
	fmt.Fprintln(bw)
	for _, st := range r.Stacks {
		fmt.Fprintf(bw, "<details><summary><b>%s</b>: resources by type</summary>\n\n| Type | Count |\n|---|--:|\n", st.Name)
		for _, tc := range st.ResourceTypes {
			fmt.Fprintf(bw, "| %s | %d |\n", tc.Type, tc.Count)
		}
		fmt.Fprintf(bw, "\n</details>\n\n")
		if len(st.Notes) > 0 {
			fmt.Fprintf(bw, "<details><summary><b>%s</b>: notes</summary>\n\n| Construct | Note |\n|---|---|\n", st.Name)
			for _, n := range st.Notes {
				fmt.Fprintf(bw, "| %s | %s: %s |\n", n.Path, n.Type, strings.ReplaceAll(noteText(n.Data), "|", "\\|"))
			}
			fmt.Fprintf(bw, "\n</details>\n\n")
		}
	}
	return bw.Flush()
}

// noteText writes a note's data on one line: a string as it is, an object
// as "key: value" pairs in key order.
func noteText(data any) string {
	switch d := data.(type) {
	case string:
		return d
	case map[string]any:
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			if v := noteText(d[k]); v != "" {
				parts = append(parts, k+": "+v)
			}
		}
		return strings.Join(parts, "; ")
	case nil:
		return ""
	}
	b, _ := json.Marshal(data)
	return string(b)
}

func mdMeasure(m Measure) string {
	s := fmt.Sprintf("%d / %d", m.Value, m.Limit)
	if m.Status == "warn" || m.Status == "over" {
		s += " **" + m.Status + "**"
	}
	return s
}

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Exceeded reports whether a stack is over a hard CloudFormation quota.
func (r *Report) Exceeded() bool {
	for _, st := range r.Stacks {
		for _, m := range st.Measures {
			if m.Status == "over" {
				return true
			}
		}
	}
	return false
}
