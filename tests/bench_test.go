package tests

import (
	"os"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/internal/cdkapp"
	"github.com/gureum-cdk/gureum/stacks"
)

// BenchmarkSynth synthesizes the whole app (cdk-nag and the built-in
// CloudFormation validator on, as in go run .) and each reference stack alone,
// reporting ms per synthesis:
//
//	go test ./tests -run '^$' -bench Synth -benchtime 3x
//
// Handler binaries are built once per process (the first iteration pays for
// go build; later ones reuse it, as every synthesis after the first does).
func BenchmarkSynth(b *testing.B) {
	appContext, err := cdkapp.Context("..")
	if err != nil {
		b.Fatal(err)
	}
	synth := func(b *testing.B, refs []stacks.Reference) {
		out := b.TempDir()
		for i := 0; i < b.N; i++ {
			dir, err := os.MkdirTemp(out, "asm")
			if err != nil {
				b.Fatal(err)
			}
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &appContext})
			for _, r := range refs {
				r.Build(app, r.ID, stacks.Options{Root: ".."})
			}
			stacks.ApplyNag(app)
			app.Synth(nil)
		}
	}
	report := func(b *testing.B, start time.Time) {
		b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/synth")
	}
	b.Run("App", func(b *testing.B) {
		start := time.Now()
		synth(b, stacks.References)
		report(b, start)
	})
	for _, r := range stacks.References {
		b.Run(r.ID, func(b *testing.B) {
			start := time.Now()
			synth(b, []stacks.Reference{r})
			report(b, start)
		})
	}
}
