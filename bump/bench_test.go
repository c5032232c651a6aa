package bump_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/system1/devbox/bump"
	"github.com/system1/devbox/githubapi"
	"github.com/system1/devbox/githubapi/githubtest"
)

// TestBenchmarkOrganisation is the benchmark of issue 6, run by
// scripts/bench-bump (DEVBOX_BENCH=1): an organisation of 1,000
// repositories (200 using devbox, 50 of them pinned to a tag, 20 monorepos,
// 20 already up to date; 100 other flakes; 680 without a flake) on the fake
// with 50 ms added to every request. It prints the wall time and the
// requests per repository of a first run and of a second one, and, in the
// same run, the time real Nix takes to relock one such repository against
// the same fake, with the ratio. It is not a timed test: it only fails if
// bump does something wrong.
func TestBenchmarkOrganisation(t *testing.T) {
	if os.Getenv("DEVBOX_BENCH") != "1" {
		t.Skip("a benchmark: scripts/bench-bump runs it")
	}
	if !githubtest.InGitHubNamespace(t) {
		return
	}
	latency := 50 * time.Millisecond
	if v := os.Getenv("BENCH_LATENCY_MS"); v != "" {
		ms, _ := strconv.Atoi(v)
		latency = time.Duration(ms) * time.Millisecond
	}
	concurrency := 16
	if v := os.Getenv("BENCH_CONCURRENCY"); v != "" {
		concurrency, _ = strconv.Atoi(v)
	}
	fake := githubtest.New(t, githubtest.Options{Hosts: true, Listen: "127.0.0.1:443", Tokens: []string{token}, RateLimit: 100000})
	t.Setenv("SSL_CERT_FILE", fake.WriteCAFile())
	f := &fixture{t: t, fake: fake, tags: map[string]string{}, dates: map[string]time.Time{}}
	f.devbox = fake.CreateRepo("system1", "devbox", githubtest.RepoOptions{})
	for i, tag := range []string{"v1.0.0", "v1.1.0"} {
		f.release(tag, time.Date(2026, time.Month(1+i), 3, 10, 0, 0, 0, time.UTC))
	}

	setup := time.Now()
	devboxFlake := githubtest.Text(projectNix("github:system1/devbox?dir=base-flake"))
	otherFlake := githubtest.Text("{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-unstable\";\n  outputs = _: { };\n}\n")
	otherLock := canonical(t, fmt.Sprintf(`{"nodes":{"nixpkgs":{"locked":{"lastModified":1600000000,"narHash":"sha256-%s=","owner":"NixOS","repo":"nixpkgs","rev":"%040x","type":"github"},"original":{"owner":"NixOS","ref":"nixos-unstable","repo":"nixpkgs","type":"github"}},"root":{"inputs":{"nixpkgs":"nixpkgs"}}},"root":"root","version":7}`, strings.Repeat("D", 43), 1))
	// Every repository's lock is its own (its nixpkgs differs), as in a real
	// organisation: identical blobs would be read once for all.
	own := func(lock string, i int) githubtest.File {
		return githubtest.Text(strings.Replace(lock, fmt.Sprintf("%040x", 1), fmt.Sprintf("%040x", 1000+i), 1))
	}
	unchanged := map[string]bool{}
	var nixDirs []string
	for i := range 1000 {
		name := fmt.Sprintf("svc-%04d", i)
		files := githubtest.Files{"README.md": githubtest.Text(name + "\n"), "main.go": githubtest.Text("package main\n")}
		old := []string{"v1.0.0", "v1.1.0"}[i%2]
		switch {
		case i < 50: // pinned to a tag
			files["flake.nix"] = githubtest.Text(projectNix("github:system1/devbox/" + old + "?dir=base-flake"))
			files["flake.lock"] = own(f.projectLock(old, old), i)
		case i < 70: // monorepos: two flakes on devbox, one without
			for _, svc := range []string{"api", "web"} {
				files["services/"+svc+"/flake.nix"] = devboxFlake
				files["services/"+svc+"/flake.lock"] = own(f.projectLock("", old), i)
			}
			files["tools/flake.nix"], files["tools/flake.lock"] = otherFlake, own(otherLock, i)
		case i < 180:
			files["flake.nix"] = devboxFlake
			files["flake.lock"] = own(f.projectLock("", old), i)
		case i < 200: // already up to date
			unchanged[name] = true
		case i < 300: // a flake without devbox
			files["flake.nix"], files["flake.lock"] = otherFlake, own(otherLock, i)
			unchanged[name] = true
		default:
			unchanged[name] = true
		}
		fake.CreateRepo("acme", name, githubtest.RepoOptions{}).Commit("main", files, "initial", time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	}
	f.release("v1.2.0", time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	// The up-to-date ones are locked at v1.2.0.
	for i := 180; i < 200; i++ {
		name := fmt.Sprintf("svc-%04d", i)
		fake.Repo("acme", name).Commit("main", githubtest.Files{
			"flake.nix": devboxFlake, "flake.lock": own(f.projectLock("", "v1.2.0"), i),
		}, "lock v1.2.0", time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))
	}
	// Local copies of a few projects for Nix.
	for i := 100; i < 105; i++ {
		dir := filepath.Join(t.TempDir(), "p")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		old := []string{"v1.0.0", "v1.1.0"}[i%2]
		os.WriteFile(filepath.Join(dir, "flake.nix"), []byte(projectNix("github:system1/devbox?dir=base-flake")), 0o644)
		os.WriteFile(filepath.Join(dir, "flake.lock"), []byte(f.projectLock("", old)), 0o644)
		nixDirs = append(nixDirs, dir)
	}
	t.Logf("setup: 1000 repositories in %s", time.Since(setup).Round(time.Millisecond))

	fake.SetLatency(latency)
	client, err := githubapi.New(githubapi.Config{APIURL: fake.URL(), Token: token, WritesPerMinute: 1000000, WritesPerHour: 1000000})
	if err != nil {
		t.Fatal(err)
	}
	var firstWall time.Duration
	measure := func(label string) *bump.Report {
		t.Helper()
		before := len(fake.Requests())
		start := time.Now()
		rep, err := bump.Run(context.Background(), client, bump.Options{Org: "acme", Concurrency: concurrency})
		wall := time.Since(start)
		if firstWall == 0 {
			firstWall = wall
		}
		if err != nil {
			t.Fatal(err)
		}
		reqs := fake.Requests()[before:]
		perRepo := map[string]int{}
		writes, shared := 0, 0
		for _, r := range reqs {
			if r.Method != "GET" {
				writes++
			}
			rest, ok := strings.CutPrefix(r.Path, "/repos/acme/")
			if !ok {
				shared++
				continue
			}
			name, _, _ := strings.Cut(rest, "/")
			perRepo[name]++
		}
		unchangedReqs := 0
		for name := range unchanged {
			unchangedReqs += perRepo[name]
		}
		counts := map[bump.Status]int{}
		for _, r := range rep.Repos {
			counts[r.Status]++
			if r.Status == bump.Error {
				t.Errorf("%s: %s", r.Repo, r.Reason)
			}
		}
		fmt.Printf("bump %s: 1000 repositories, %d ms latency, concurrency %d: wall %.2f s; %d requests (%d writes, %d org/source), %.2f per repository; %.3f per repository needing no change (%d); %v\n",
			label, latency.Milliseconds(), concurrency, wall.Seconds(), len(reqs), writes, shared, float64(len(reqs))/1000,
			float64(unchangedReqs)/float64(len(unchanged)), len(unchanged), counts)
		return rep
	}
	rep := measure("first run")
	if rep.Count(bump.PROpened) != 180 {
		t.Errorf("first run opened %d pull requests, want 180", rep.Count(bump.PROpened))
	}
	rep = measure("second run")
	if rep.Count(bump.PROpened)+rep.Count(bump.PRUpdated) != 0 {
		t.Error("second run opened or updated pull requests")
	}

	// Nix, relocking one project at a time against the same fake, each
	// with a cold fetcher cache as a CI job per repository has.
	start := time.Now()
	for _, dir := range nixDirs {
		cmd := exec.Command("nix", "flake", "lock", "--update-input", "devbox")
		cmd.Dir, cmd.Env = dir, fake.NixEnv(t, token)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nix: %v\n%s", err, out)
		}
	}
	perNix := time.Since(start) / time.Duration(len(nixDirs))
	fmt.Printf("nix flake lock --update-input devbox: %.0f ms per repository (mean of %d, same fake, same latency); 180 repositories one after another: %.1f s, before any clone, push or pull request\n",
		float64(perNix.Milliseconds()), len(nixDirs), (perNix * 180).Seconds())
	fmt.Printf("ratio: Nix relocking the 180 repositories %.1fx the time bump takes for the whole organisation, pull requests included\n",
		(perNix*180).Seconds()/firstWall.Seconds())
}
