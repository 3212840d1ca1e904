package cfndiff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// maxValueLen bounds a value printed in text and Markdown; JSON keeps it whole.
const maxValueLen = 120

func formatValue(v any) string {
	if v == nil {
		return "(absent)"
	}
	s := canon(v)
	if len(s) > maxValueLen {
		s = s[:maxValueLen-3] + "..."
	}
	return s
}

type palette struct{ add, remove, modify, bad, warn, dim, bold, reset string }

func newPalette(color bool) palette {
	if !color {
		return palette{}
	}
	return palette{add: "\x1b[32m", remove: "\x1b[31m", modify: "\x1b[33m", bad: "\x1b[1;31m", warn: "\x1b[33m", dim: "\x1b[2m", bold: "\x1b[1m", reset: "\x1b[0m"}
}

var changeSigns = map[string]string{Added: "+", Removed: "-", Modified: "~"}

// WriteText writes r for a terminal or a CI log; color adds ANSI colours.
func WriteText(w io.Writer, r *Result, color bool) error {
	bw := bufio.NewWriter(w)
	p := newPalette(color)
	for _, st := range r.Stacks {
		if st.Status == Unchanged {
			fmt.Fprintf(bw, "%sStack %s%s: no changes\n", p.bold, st.Name, p.reset)
			continue
		}
		status := ""
		if st.Status == Added || st.Status == Removed {
			status = " (stack " + st.Status + ")"
		}
		fmt.Fprintf(bw, "%sStack %s%s%s\n", p.bold, st.Name, status, p.reset)
		for _, rc := range st.Resources {
			col := map[string]string{Added: p.add, Removed: p.remove, Modified: p.modify}[rc.Change]
			tags := []string{string(rc.Impact)}
			if rc.Stateful {
				tags = append(tags, "stateful")
			}
			impCol := ""
			if rc.Impact == Replace || rc.Impact == Destroy {
				impCol = p.bad
			}
			typ := rc.Type
			if rc.OldType != "" {
				typ = rc.OldType + " -> " + rc.Type
			}
			fmt.Fprintf(bw, "  %s%s %s %s%s %s[%s]%s\n", col, changeSigns[rc.Change], typ, rc.LogicalID, p.reset, impCol, strings.Join(tags, ", "), p.reset)
			for _, c := range rc.Changes {
				note := ""
				if c.Impact != Update {
					note = fmt.Sprintf(" %s(%s)%s", p.bad, c.Impact, p.reset)
				} else if c.AssetOnly {
					note = p.dim + " (asset)" + p.reset
				}
				fmt.Fprintf(bw, "      %s: %s%s\n", c.Path, changeText(c, "->"), note)
			}
		}
		for _, c := range st.Template {
			fmt.Fprintf(bw, "  %s~ %s%s: %s -> %s\n", p.modify, c.Path, p.reset, formatValue(c.Old), formatValue(c.New))
		}
		fmt.Fprintln(bw)
	}
	var fs []Finding
	for _, st := range r.Stacks {
		fs = append(fs, st.Findings...)
	}
	if len(fs) > 0 {
		fmt.Fprintf(bw, "%sFindings%s\n", p.bold, p.reset)
		for _, f := range fs {
			mark, col := "!", p.warn
			if f.Gating {
				mark, col = "x", p.bad
			}
			fmt.Fprintf(bw, "  %s%s [%s] %s: %s%s\n", col, mark, f.Category, f.Stack, f.Message, p.reset)
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintf(bw, "%s\n", summaryLine(r))
	return bw.Flush()
}

// changeText shows a change's old and new value, or for a value that
// follows a replaced resource, the resources it follows.
func changeText(c PropertyChange, arrow string) string {
	if len(c.Via) > 0 {
		return fmt.Sprintf("%s (names %s, which %s replaced)", formatValue(c.New), strings.Join(c.Via, ", "), plural(len(c.Via), "is", "are"))
	}
	return formatValue(c.Old) + " " + arrow + " " + formatValue(c.New)
}

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// count writes n and the noun, in the singular or plural.
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}

func summaryLine(r *Result) string {
	s := r.Summary
	changed := 0
	for _, st := range r.Stacks {
		if st.Status != Unchanged {
			changed++
		}
	}
	return fmt.Sprintf("%d of %s changed: %d added, %d removed, %d modified (%d replaced); %s, %d gating (fail on: %s); exit %d",
		changed, count(s.Stacks, "stack", "stacks"), s.Added, s.Removed, s.Modified, s.Replaced, count(s.Findings, "finding", "findings"), s.Gating, failOnString(r.FailOn), r.ExitCode)
}

func failOnString(f []string) string {
	if len(f) == 0 {
		return "none"
	}
	return strings.Join(f, ",")
}

// MarkdownMarker starts every Markdown report, so that a CI job can find and
// update its previous pull-request comment.
const MarkdownMarker = "<!-- gureum-diff -->"

// MaxMarkdownBytes keeps a Markdown report under GitHub's 65,536-character
// limit for a comment: past it, the per-stack details are left out, then the
// findings table is cut.
const MaxMarkdownBytes = 60_000

// WriteMarkdown writes r as a pull-request comment: a summary table, the
// findings, and the changes of each stack in a collapsible section.
func WriteMarkdown(w io.Writer, r *Result) error {
	var b bytes.Buffer
	markdown(&b, r, true, -1)
	if b.Len() > MaxMarkdownBytes {
		b.Reset()
		markdown(&b, r, false, -1)
		for n := r.Summary.Findings; b.Len() > MaxMarkdownBytes && n > 0; n /= 2 {
			b.Reset()
			markdown(&b, r, false, n/2)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// markdown renders r; details adds the per-stack changes, maxFindings >= 0
// bounds the findings listed.
func markdown(bw *bytes.Buffer, r *Result, details bool, maxFindings int) {
	fmt.Fprintf(bw, "%s\n## gureum diff\n\n", MarkdownMarker)
	switch r.ExitCode {
	case ExitNoChange:
		fmt.Fprintf(bw, "No changes.\n\n")
	case ExitChanges:
		fmt.Fprintf(bw, "Changes, none gating.\n\n")
	case ExitGated:
		fmt.Fprintf(bw, "**%s** (fail on: %s): review before merging.\n\n", count(r.Summary.Gating, "gating finding", "gating findings"), failOnString(r.FailOn))
	}
	var unchanged []string
	for _, st := range r.Stacks {
		if st.Status == Unchanged {
			unchanged = append(unchanged, mdText(st.Name))
		}
	}
	if len(unchanged) < len(r.Stacks) {
		fmt.Fprintf(bw, "| Stack | Status | Added | Removed | Modified | Replaced | Findings | Gating |\n|---|---|--:|--:|--:|--:|--:|--:|\n")
	}
	for _, st := range r.Stacks {
		if st.Status == Unchanged {
			continue
		}
		var a, d, m, rep, g int
		for _, rc := range st.Resources {
			switch rc.Change {
			case Added:
				a++
			case Removed:
				d++
			case Modified:
				m++
				if rc.Impact == Replace {
					rep++
				}
			}
		}
		for _, f := range st.Findings {
			if f.Gating {
				g++
			}
		}
		fmt.Fprintf(bw, "| %s | %s | %d | %d | %d | %d | %d | %d |\n", mdText(st.Name), st.Status, a, d, m, rep, len(st.Findings), g)
	}
	if len(unchanged) < len(r.Stacks) {
		fmt.Fprintln(bw)
	}
	if len(unchanged) > 0 {
		fmt.Fprintf(bw, "%s unchanged: %s.\n\n", plural(len(unchanged), "1 stack", fmt.Sprintf("%d stacks", len(unchanged))), strings.Join(unchanged, ", "))
	}
	var fs []Finding
	for _, st := range r.Stacks {
		fs = append(fs, st.Findings...)
	}
	if len(fs) > 0 {
		fmt.Fprintf(bw, "### Findings\n\n| | Category | Stack | Resource | Finding |\n|---|---|---|---|---|\n")
		for i, f := range fs {
			if maxFindings >= 0 && i >= maxFindings {
				fmt.Fprintf(bw, "\n%s left out to fit a comment: see the job log.\n", count(len(fs)-i, "more finding", "more findings"))
				break
			}
			mark := ":warning:"
			if f.Gating {
				mark = ":x:"
			}
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", mark, f.Category, mdText(f.Stack), mdText(f.LogicalID), mdText(f.Message))
		}
		fmt.Fprintln(bw)
	}
	if !details {
		fmt.Fprintf(bw, "Resource changes left out to fit a comment: see the job log or `gureum diff --format text`.\n\n")
	}
	for _, st := range r.Stacks {
		if len(st.Resources)+len(st.Template) == 0 || !details {
			continue
		}
		fmt.Fprintf(bw, "<details><summary><b>%s</b>: %s, %s</summary>\n\n", htmlEscape(st.Name), count(len(st.Resources), "resource change", "resource changes"), count(len(st.Template), "other template change", "other template changes"))
		fmt.Fprintf(bw, "| | Resource | Type | Impact | Change |\n|---|---|---|---|---|\n")
		for _, rc := range st.Resources {
			imp := string(rc.Impact)
			if rc.Stateful {
				imp += ", stateful"
			}
			if len(rc.Changes) == 0 {
				fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", changeSigns[rc.Change], mdText(rc.LogicalID), rc.Type, imp, rc.Change)
				continue
			}
			for i, c := range rc.Changes {
				sign, id, typ, ri := "", "", "", ""
				if i == 0 {
					sign, id, typ, ri = changeSigns[rc.Change], mdText(rc.LogicalID), rc.Type, imp
				}
				ci := ""
				if c.Impact != Update {
					ci = " **(" + string(c.Impact) + ")**"
				}
				if len(c.Via) > 0 {
					fmt.Fprintf(bw, "| %s | %s | %s | %s | %s: %s names %s, which %s replaced%s |\n", sign, id, typ, ri, mdCode(c.Path), mdCode(formatValue(c.New)), mdText(strings.Join(c.Via, ", ")), plural(len(c.Via), "is", "are"), ci)
					continue
				}
				fmt.Fprintf(bw, "| %s | %s | %s | %s | %s: %s → %s%s |\n", sign, id, typ, ri, mdCode(c.Path), mdCode(formatValue(c.Old)), mdCode(formatValue(c.New)), ci)
			}
		}
		for _, c := range st.Template {
			fmt.Fprintf(bw, "| ~ | | | template | %s: %s → %s |\n", mdCode(c.Path), mdCode(formatValue(c.Old)), mdCode(formatValue(c.New)))
		}
		fmt.Fprintf(bw, "\n</details>\n\n")
	}
	fmt.Fprintf(bw, "<sub>%s</sub>\n", htmlEscape(summaryLine(r)))
}

// mdText escapes prose for a Markdown table cell.
func mdText(s string) string {
	s = strings.NewReplacer("|", `\|`, "\n", " ", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "`", "\\`").Replace(s)
	return s
}

// mdCode formats s as a code span in a table cell.
func mdCode(s string) string {
	s = strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
	if strings.Contains(s, "`") {
		return "``" + s + "``"
	}
	return "`" + s + "`"
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// WriteJSON writes r as indented JSON (schema version SchemaVersion).
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
