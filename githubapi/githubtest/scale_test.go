package githubtest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/system1/devbox/githubapi/githubtest"
)

// A thousand repositories with the same flake.nix and a few distinct locks
// must be cheap to build: bump's benchmark needs such an organisation.
func TestThousandRepos(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	start := time.Now()
	fake := githubtest.New(t, githubtest.Options{})
	for i := range 1000 {
		repo := fake.CreateRepo("acme", fmt.Sprintf("r%04d", i), githubtest.RepoOptions{})
		repo.Commit("main", githubtest.Files{
			"flake.nix":  githubtest.Text("{ inputs.devbox.url = \"github:system1/devbox?dir=base-flake\"; outputs = _: { }; }\n"),
			"flake.lock": githubtest.Text(fmt.Sprintf("{ \"v\": %d }\n", i%5)),
			"README.md":  githubtest.Text("hello\n"),
		}, "init", time.Unix(1.7e9, 0))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("1000 repositories took %s to build", d)
	} else {
		t.Logf("1000 repositories in %s", d)
	}
}
