package montecarlo

import (
	"fmt"
	"os"
	"testing"

	"github.com/gureum-cdk/gureum/internal/testsvc"
)

// s3srv is the S3 server (versitygw) shared by the package's upload tests.
var s3srv *testsvc.S3

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	srv, err := testsvc.StartS3()
	if err != nil {
		fmt.Fprintln(os.Stderr, "montecarlo tests:", err)
		return 1
	}
	defer srv.Stop()
	s3srv = srv
	return m.Run()
}
