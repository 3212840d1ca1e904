package validate

import (
	"strings"
	"testing"
)

func TestErrorMessages(t *testing.T) {
	p := New("serverlessapi", nil, "Api")
	if p.Err() != nil {
		t.Fatal("no problems recorded, want nil error")
	}
	p.Check(false, "StageName", "must match [A-Za-z0-9_]+, got %q", "pr od")
	if got, want := p.Err().Error(), `serverlessapi "Api": StageName: must match [A-Za-z0-9_]+, got "pr od"`; got != want {
		t.Errorf("one problem:\n got %s\nwant %s", got, want)
	}
	p.Addf("Routes[0].Path", "must start with %q", "/")
	got := p.Err().Error()
	for _, want := range []string{`serverlessapi "Api": 2 invalid props:`, "\n  - StageName:", "\n  - Routes[0].Path: must start with \"/\""} {
		if !strings.Contains(got, want) {
			t.Errorf("two problems: %q lacks %q", got, want)
		}
	}
}

func TestCatch(t *testing.T) {
	err := Catch(func() {
		p := New("k", nil, "X")
		p.Addf("A", "bad")
		p.PanicIfAny()
	})
	if err == nil || err.Problems[0] != "A: bad" {
		t.Fatalf("Catch = %v, want the recorded problem", err)
	}
	if Catch(func() {}) != nil {
		t.Fatal("Catch of a clean run returned an error")
	}
	defer func() {
		if r := recover(); r != "other" {
			t.Fatalf("foreign panic not re-raised: %v", r)
		}
	}()
	Catch(func() { panic("other") })
}
