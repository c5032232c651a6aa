package githubtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/system1/devbox/githubapi/githubtest"
)

func get(t *testing.T, fake *githubtest.Server, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", fake.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestCommitResolvesRefs(t *testing.T) {
	fake := githubtest.New(t, githubtest.Options{})
	repo := fake.CreateRepo("acme", "widgets", githubtest.RepoOptions{})
	when := time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600))
	sha := repo.Commit("main", githubtest.Files{"a": githubtest.Text("a\n")}, "first\n", when)
	repo.Tag("v1.0.0", sha)
	for _, ref := range []string{"HEAD", "main", "v1.0.0", sha, sha[:7], "refs/heads/main"} {
		resp, body := get(t, fake, "repos/acme/widgets/commits/"+ref)
		if resp.StatusCode != 200 {
			t.Fatalf("commits/%s: %d %s", ref, resp.StatusCode, body)
		}
		var c struct {
			SHA    string
			Commit struct {
				Committer struct{ Date time.Time }
			}
		}
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatal(err)
		}
		if c.SHA != sha || !c.Commit.Committer.Date.Equal(when) {
			t.Errorf("commits/%s: sha %s date %s, want %s %s", ref, c.SHA, c.Commit.Committer.Date, sha, when)
		}
	}
}
