package nar_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/internal/oracle"
	"github.com/system1/devbox/nix/nar"
)

// hashTarballFile is what `flakectl nix prefetch file://` computes.
func hashTarballFile(t *testing.T, path string) (hash, storePath string, err error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := nar.HashTarball(f, nar.Limits{})
	if err != nil {
		return "", "", err
	}
	sp, err := nar.SourceStorePath(h)
	if err != nil {
		t.Fatal(err)
	}
	return h.Format(nixhash.SRI, true), sp, nil
}

// checkTarball asserts that flakectl and `nix flake prefetch` agree on the
// tarball, and that both equal wantHash when it is given.
func checkTarball(t *testing.T, tarball, wantHash string) {
	t.Helper()
	hash, storePath, err := hashTarballFile(t, tarball)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(tarball), err)
	}
	nix, nixErr := nixPrefetch(t, "file://"+tarball)
	if nixErr != "" {
		t.Fatalf("nix flake prefetch failed on %s: %s", filepath.Base(tarball), nixErr)
	}
	if hash != nix.Hash || storePath != nix.StorePath {
		t.Errorf("%s: flakectl %s %s, nix flake prefetch %s %s", filepath.Base(tarball), hash, storePath, nix.Hash, nix.StorePath)
	}
	if wantHash != "" && hash != wantHash {
		t.Errorf("%s: hash %s, nix hash path on the tree says %s", filepath.Base(tarball), hash, wantHash)
	}
}

// TestTarballOfTreeMatchesNix packs the tree of TestHashPathMatchesNix with
// GNU tar in each of its formats (GNU long names, pax) and checks that the
// tarball's hash equals both `nix hash path` of the tree and
// `nix flake prefetch` of the tarball.
func TestTarballOfTreeMatchesNix(t *testing.T) {
	t.Parallel()
	tarBin := oracle.Require(t, "tar")
	dir := t.TempDir()
	root := writeTree(t, dir)
	want := nixHashPath(t, root)
	for _, format := range []string{"gnu", "pax"} {
		out := filepath.Join(dir, "tree-"+format+".tar.gz")
		run(t, dir, tarBin, "--format="+format, "-czf", out, "tree")
		checkTarball(t, out, want)
	}
	// "./tree/…" names, uncompressed.
	out := filepath.Join(dir, "dot.tar")
	run(t, dir, tarBin, "-cf", out, "./tree")
	checkTarball(t, out, want)
}

// TestGitArchiveMatchesNix hashes what GitHub serves: `git archive` of a real
// repository, with its pax global header carrying the commit id, an
// export-ignore'd file, an executable and a symlink.
func TestGitArchiveMatchesNix(t *testing.T) {
	t.Parallel()
	git := oracle.Require(t, "git")
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	files := map[string]string{
		"README.md":                              "# demo\n",
		"bin/run":                                "#!/bin/sh\necho run\n",
		"src/a-b.txt":                            "sorted before src/a/ by git, after it by NAR\n",
		"src/a/inside.go":                        "package a\n",
		"secret.txt":                             "export-ignore'd: GitHub's tarball does not have it\n",
		"docs/ignored/x":                         "a whole ignored directory\n",
		".gitattributes":                         "secret.txt export-ignore\ndocs/ignored export-ignore\n",
		strings.Repeat("long/", 30) + "name.txt": "a path over 100 bytes: pax path record\n",
	}
	for name, content := range files {
		p := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(repo, "bin/run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("bin/run", filepath.Join(repo, "run")); err != nil {
		t.Fatal(err)
	}
	run(t, repo, git, "init", "-q")
	run(t, repo, git, "add", "-A")
	run(t, repo, git, "commit", "-q", "-m", "init")
	rev := strings.TrimSpace(run(t, repo, git, "rev-parse", "HEAD"))
	tarball := filepath.Join(dir, "repo.tar.gz")
	run(t, repo, git, "archive", "--format=tar.gz", "--prefix=owner-repo-"+rev[:7]+"/", "-o", tarball, "HEAD")

	// The oracle for the tree: Nix hashes what it unpacks.
	extracted := filepath.Join(dir, "extracted")
	if err := os.Mkdir(extracted, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, extracted, oracle.Require(t, "tar"), "-xzf", tarball)
	top := filepath.Join(extracted, "owner-repo-"+rev[:7])
	if _, err := os.Stat(filepath.Join(top, "secret.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("git archive kept the export-ignore'd file (err %v)", err)
	}
	checkTarball(t, tarball, nixHashPath(t, top))

	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := nar.ReadTarball(f, nar.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	dump := exec.Command(oracle.Require(t, "nix-store"), "--dump", top)
	dump.Env = oracle.NixEnv()
	want, err := dump.Output()
	if err != nil {
		t.Fatalf("nix-store --dump: %v: %s", err, stderrOf(err))
	}
	var got bytes.Buffer
	if err := tree.WriteNAR(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("the tarball's NAR (%d bytes) differs from nix-store --dump of the unpacked tree (%d bytes)", got.Len(), len(want))
	}
	if tree.Comment != rev {
		t.Errorf("Comment = %q, want the commit id %s", tree.Comment, rev)
	}
	if want := time.Date(2024, 3, 2, 13, 14, 15, 0, time.UTC); !tree.ModTime.Equal(want) {
		t.Errorf("ModTime = %v, want the committer date %v", tree.ModTime, want)
	}
	if tree.Name != "owner-repo-"+rev[:7] {
		t.Errorf("Name = %q", tree.Name)
	}
}

// entry is one tar entry of a hand-made archive.
type entry struct {
	name     string
	typ      byte
	body     string
	mode     int64
	linkname string
}

// makeTar returns an uncompressed pax tar archive of entries.
func makeTar(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: mode, Linkname: e.linkname, Size: int64(len(e.body)),
			ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// makeTarball writes a gzip tarball of entries to path.
func makeTarball(t testing.TB, path string, entries []entry) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(makeTar(t, entries)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

const (
	reg  = tar.TypeReg
	dirT = tar.TypeDir
	sym  = tar.TypeSymlink
	hard = tar.TypeLink
)

// TestTarballSemanticsMatchNix: archives that are odd but safe unpack, for
// Nix, to a definite tree; flakectl must hash that same tree.
func TestTarballSemanticsMatchNix(t *testing.T) {
	t.Parallel()
	cases := map[string][]entry{
		"reverse-order": {{"src/z", reg, "z", 0, ""}, {"src/a/b", reg, "b", 0o755, ""}, {"src/a", dirT, "", 0o755, ""}, {"src/a-b", reg, "", 0, ""}, {"src", dirT, "", 0o755, ""}},
		"dot-slash":     {{"./", dirT, "", 0o755, ""}, {"./src/", dirT, "", 0o755, ""}, {"./src/a", reg, "a", 0, ""}, {"src//b/./c", reg, "c", 0, ""}},
		"implicit-dirs": {{"src/x/y/z", reg, "deep", 0, ""}},
		"duplicate":     {{"src/", dirT, "", 0o755, ""}, {"src/a", reg, "first", 0o755, ""}, {"src/a", reg, "second", 0o644, ""}},
		"dir-then-file": {{"src/", dirT, "", 0o755, ""}, {"src/a/", dirT, "", 0o755, ""}, {"src/a", reg, "x", 0, ""}},
		"file-then-dir": {{"src/", dirT, "", 0o755, ""}, {"src/a", reg, "x", 0, ""}, {"src/a/", dirT, "", 0o755, ""}},
		"dir-twice":     {{"src/", dirT, "", 0o755, ""}, {"src/d/", dirT, "", 0o755, ""}, {"src/d/f", reg, "f", 0, ""}, {"src/d/", dirT, "", 0o700, ""}},
		"hard-link":     {{"src/", dirT, "", 0o755, ""}, {"src/a", reg, "content", 0o755, ""}, {"src/h", hard, "", 0o644, "src/a"}},
		"hard-to-sym":   {{"src/", dirT, "", 0o755, ""}, {"src/s", sym, "", 0o777, "target"}, {"src/h", hard, "", 0o644, "./src/s"}},
		"single-file":   {{"only", reg, "x", 0o755, ""}},
		"single-link":   {{"only", sym, "", 0o777, "/nowhere"}},
		"mode-bits":     {{"src/", dirT, "", 0o000, ""}, {"src/x", reg, "x", 0o100, ""}, {"src/s", reg, "s", 0o6711, ""}, {"src/n", reg, "n", 0o677, ""}},
		"symlinks":      {{"src/", dirT, "", 0o755, ""}, {"src/abs", sym, "", 0o777, "/etc/passwd"}, {"src/up", sym, "", 0o777, "../../../x"}, {"src/dangling", sym, "", 0o777, "nope"}},
	}
	dir := t.TempDir()
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, name+".tar.gz")
			makeTarball(t, path, entries)
			checkTarball(t, path, "")
		})
	}
}

// TestUnsafeTarballs: each archive is refused with its own one-line error.
// Where Nix refuses it too, the test checks that it does.
func TestUnsafeTarballs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		entries    []entry
		wantErr    error
		wantMsg    string
		nixRefuses bool
	}{
		{"dotdot", []entry{{"src/", dirT, "", 0o755, ""}, {"src/../../x", reg, "x", 0, ""}}, nar.ErrUnsafe, `"src/../../x" contains '..'`, true},
		{"dotdot-inside", []entry{{"src/d/../a", reg, "x", 0, ""}}, nar.ErrUnsafe, "contains '..'", true},
		{"through-symlink", []entry{{"src/l", sym, "", 0o777, "/tmp"}, {"src/l/x", reg, "x", 0, ""}}, nar.ErrUnsafe, `"src/l/x" passes through a symlink`, true},
		{"hard-link-outside", []entry{{"src/", dirT, "", 0o755, ""}, {"src/h", hard, "", 0, "/etc/passwd"}}, nar.ErrUnsafe, "absolute path", true},
		{"hard-link-dotdot", []entry{{"src/", dirT, "", 0o755, ""}, {"src/h", hard, "", 0, "../etc/passwd"}}, nar.ErrUnsafe, "contains '..'", true},
		{"hard-link-missing", []entry{{"src/", dirT, "", 0o755, ""}, {"src/h", hard, "", 0, "src/later"}, {"src/later", reg, "x", 0, ""}}, nar.ErrUnsafe, "is not in the archive before it", true},
		{"hard-link-through-symlink", []entry{{"src/l", sym, "", 0o777, "/etc"}, {"src/h", hard, "", 0, "src/l/passwd"}}, nar.ErrUnsafe, "passes through a symlink", true},
		{"fifo", []entry{{"src/", dirT, "", 0o755, ""}, {"src/f", tar.TypeFifo, "", 0, ""}}, nar.ErrUnsafe, "device file or fifo", true},
		{"char-device", []entry{{"src/", dirT, "", 0o755, ""}, {"src/null", tar.TypeChar, "", 0, ""}}, nar.ErrUnsafe, "device file or fifo", false},
		{"two-top-level", []entry{{"a/", dirT, "", 0o755, ""}, {"b/", dirT, "", 0o755, ""}}, nil, "contains 2 top-level entries, want exactly one", true},
		{"empty", nil, nil, "contains 0 top-level entries", true},
		// Nix 2.8 unpacks "/src/a" as "src/a"; flakectl refuses it.
		{"absolute", []entry{{"/src/a", reg, "x", 0, ""}}, nar.ErrUnsafe, `"/src/a" is an absolute path`, false},
		{"long-component", []entry{{"src/" + strings.Repeat("x", 256), reg, "x", 0, ""}}, nar.ErrUnsafe, "longer than 255 bytes", true},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, c.name+".tar.gz")
			makeTarball(t, path, c.entries)
			_, _, err := hashTarballFile(t, path)
			if err == nil {
				t.Fatalf("accepted, want error %q", c.wantMsg)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("error %v is not %v", err, c.wantErr)
			}
			if msg := err.Error(); !strings.Contains(msg, c.wantMsg) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line containing %q", msg, c.wantMsg)
			}
			if c.nixRefuses {
				if _, nixErr := nixPrefetch(t, "file://"+path); nixErr == "" {
					t.Errorf("nix flake prefetch accepts it")
				}
			}
		})
	}
}

// TestTreeMetadata: ModTime is the top-level entry's own mtime, zero when
// the archive has no entry for it; Comment is empty without a pax global
// header.
func TestTreeMetadata(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		entries []entry
		mtime   time.Time
	}{
		{[]entry{{"src/", dirT, "", 0o755, ""}, {"src/a", reg, "x", 0, ""}}, time.Unix(1700000000, 0)},
		{[]entry{{"src/a", reg, "x", 0, ""}}, time.Time{}},
	} {
		tree, err := nar.ReadTarball(bytes.NewReader(makeTar(t, c.entries)), nar.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !tree.ModTime.Equal(c.mtime) || tree.Comment != "" || tree.Name != "src" {
			t.Errorf("%v: ModTime %v, Comment %q, Name %q; want %v, \"\", \"src\"", c.entries, tree.ModTime, tree.Comment, tree.Name, c.mtime)
		}
	}
}

func TestTarballLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "t.tar.gz")
	makeTarball(t, path, []entry{{"src/a", reg, strings.Repeat("a", 600), 0, ""}, {"src/b", reg, strings.Repeat("b", 500), 0, ""}})
	read := func(lim nar.Limits) error {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = nar.ReadTarball(f, lim)
		return err
	}
	if err := read(nar.Limits{MaxBytes: 1100}); err != nil {
		t.Errorf("exactly at the limit: %v", err)
	}
	if err := read(nar.Limits{MaxBytes: 1099}); !errors.Is(err, nar.ErrTooLarge) {
		t.Errorf("one byte over MaxBytes: got %v, want ErrTooLarge", err)
	}
	if err := read(nar.Limits{MaxEntries: 1}); !errors.Is(err, nar.ErrTooLarge) {
		t.Errorf("over MaxEntries: got %v, want ErrTooLarge", err)
	}
	// Hard links count: a small archive must not expand into a huge NAR.
	var bomb []entry
	bomb = append(bomb, entry{"src/big", reg, strings.Repeat("x", 1000), 0, ""})
	for i := 0; i < 100; i++ {
		bomb = append(bomb, entry{"src/link" + strings.Repeat("x", i), hard, "", 0, "src/big"})
	}
	makeTarball(t, path, bomb)
	if err := read(nar.Limits{MaxBytes: 50000}); !errors.Is(err, nar.ErrTooLarge) {
		t.Errorf("hard link bomb: got %v, want ErrTooLarge", err)
	}
}

// TestTarballTruncated: a cut-off download is an error, never a hash.
func TestTarballTruncated(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "t.tar.gz")
	makeTarball(t, path, []entry{{"src/a", reg, strings.Repeat("abcdefgh", 4096), 0, ""}})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, len(data) / 2, len(data) - 1} {
		if _, err := nar.HashTarball(bytes.NewReader(data[:n]), nar.Limits{}); err == nil {
			t.Errorf("%d of %d bytes: accepted", n, len(data))
		}
	}
}

func TestSourceStorePath(t *testing.T) {
	t.Parallel()
	// An independent computation of Nix's makeFixedOutputPath for a
	// recursive sha256: sha256("source:sha256:<hex>:/nix/store:source"),
	// folded to 20 bytes by XOR, in Nix base32.
	for _, seed := range []string{"", "a", "flakectl"} {
		digest := sha256Sum([]byte(seed))
		h := nixhash.MustNewHash(nixhash.SHA256, digest)
		got, err := nar.SourceStorePath(h)
		if err != nil {
			t.Fatal(err)
		}
		inner := sha256Sum([]byte("source:sha256:" + hexString(digest) + ":/nix/store:source"))
		folded := make([]byte, 20)
		for i, b := range inner {
			folded[i%20] ^= b
		}
		if want := "/nix/store/" + nixBase32(folded) + "-source"; got != want {
			t.Errorf("SourceStorePath(%x) = %s, want %s", digest, got, want)
		}
	}
	if _, err := nar.SourceStorePath(nixhash.MustNewHash(nixhash.SHA1, make([]byte, 20))); err == nil {
		t.Error("a sha1 hash gave a store path")
	}
}
