package lint

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// Tree is one place to lint: a file system, the directory in it to walk,
// and how to show paths to the user.
type Tree struct {
	FS fs.FS
	// Start is the directory to walk, a slash path in FS ("." for all).
	Start string
	// Display is how the user named Start; file names in diagnostics are
	// Display joined with the path below Start.
	Display string
	// OSDir is FS's root on disk, if it is on disk; with it, a repository
	// whose index cannot be read directly is asked with git ls-files.
	OSDir string
	// Staged means FS holds the staged (index) versions of files: every
	// file in it is tracked, and .gitignore does not apply.
	Staged bool
}

// repo is a repository (a directory with .git) or, outside git, the tree.
type repo struct {
	root    string          // directory in the tree's FS
	tracked map[string]bool // paths relative to root; nil if unknown or not git
	isGit   bool
	config  *Config
	flakes  []string // flake directories found, relative to the FS root
	nested  int      // repositories found inside it
}

// maxFileSize bounds what lint reads of flake.nix and flake.lock, which
// may come from an untrusted pull request.
const maxFileSize = 8 << 20

// Run lints the trees with opts.
func Run(trees []Tree, opts Options) (*Result, error) {
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	res := &Result{}
	var flakes []*Flake
	for _, t := range trees {
		fl, repos, err := discover(t, opts)
		if err != nil {
			return nil, err
		}
		flakes = append(flakes, fl...)
		res.Repos += repos
	}
	res.Flakes = len(flakes)

	// Flakes are independent: parse and check them on every core.
	out := make([][]Diagnostic, len(flakes))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = checkFlake(flakes[i], now)
			}
		}()
	}
	for i := range flakes {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, ds := range out {
		res.Diagnostics = append(res.Diagnostics, ds...)
	}
	sortDiagnostics(res.Diagnostics)
	return res, nil
}

func checkFlake(f *Flake, now time.Time) []Diagnostic {
	f.load()
	var ds []Diagnostic
	for _, r := range Rules {
		sev := f.Config.Severity(r)
		if sev == SeverityOff {
			continue
		}
		runRule(r, &Pass{Rule: r, Flake: f, Config: f.Config, Now: now, sev: sev, out: &ds})
	}
	return ds
}

// runRule runs one rule; a panic (a bug) becomes a diagnostic instead of
// ending the whole run, which happens on a goroutine of its own.
func runRule(r *Rule, p *Pass) {
	defer func() {
		if e := recover(); e != nil {
			p.Reportf(p.Flake.Nix, -1, -1, "internal error in rule %s: %v (this is a bug; please report it)", r.Name, e)
		}
	}()
	r.Run(p)
}

// discover walks t and returns its flakes (found, or required and missing).
func discover(t Tree, opts Options) ([]*Flake, int, error) {
	start := path.Clean(t.Start)
	if t.Display == "" {
		t.Display = start
	}
	w := &walker{tree: t, opts: opts}
	// The repository around Start: its root is the FS root when that has
	// .git (the caller roots FS there), else Start itself.
	rootDir := "."
	if !w.hasGit(".") {
		rootDir = start
	}
	top, err := w.openRepo(rootDir)
	if err != nil {
		return nil, 0, err
	}
	// The .gitignore files between the root and Start apply too.
	var ign ignoreList
	if !t.Staged && rootDir != start {
		dir := rootDir
		for _, seg := range strings.Split(start, "/") {
			ign = ign.join(w.gitignore(dir))
			dir = path.Join(dir, seg)
		}
	}
	if st, err := fs.Stat(t.FS, start); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", t.Display, unwrapPathError(err))
	} else if !st.IsDir() {
		return nil, 0, fmt.Errorf("%s: not a directory", t.Display)
	}
	if err := w.walk(start, top, ign); err != nil {
		return nil, 0, err
	}
	var flakes []*Flake
	for _, r := range w.repos {
		required := map[string]bool{}
		for _, d := range r.config.Flakes {
			required[path.Join(r.root, d)] = true
		}
		if len(r.config.Flakes) == 0 && len(r.flakes) == 0 && r.nested == 0 &&
			(r == top && rootDir == start || r != top) {
			required[r.root] = true
		}
		found := map[string]bool{}
		for _, d := range r.flakes {
			found[d] = true
			flakes = append(flakes, w.flake(r, d, required[d]))
		}
		var missing []string
		for d := range required {
			if !found[d] && (d == start || strings.HasPrefix(d, start+"/") || start == ".") {
				missing = append(missing, d)
			}
		}
		sort.Strings(missing)
		for _, d := range missing {
			flakes = append(flakes, w.flake(r, d, true))
		}
	}
	return flakes, len(w.repos), nil
}

type walker struct {
	tree  Tree
	opts  Options
	repos []*repo
}

func (w *walker) hasGit(dir string) bool {
	if w.tree.Staged {
		return dir == "."
	}
	_, err := fs.Stat(w.tree.FS, path.Join(dir, ".git"))
	return err == nil
}

func (w *walker) gitignore(dir string) ignoreList {
	data, err := fs.ReadFile(w.tree.FS, path.Join(dir, ".gitignore"))
	if err != nil {
		return nil
	}
	base := dir
	if base == "." {
		base = ""
	}
	return parseGitignore(base, data)
}

// openRepo starts a repository at dir. The walk knows from the directory's
// listing whether .git and the config file are there; other callers probe.
func (w *walker) openRepo(dir string) (*repo, error) {
	return w.openRepoListed(dir, w.hasGit(dir), true)
}

func (w *walker) openRepoListed(dir string, isGit, hasConfig bool) (*repo, error) {
	r := &repo{root: dir, isGit: isGit}
	r.config = w.opts.Config
	if r.config == nil && !hasConfig {
		r.config = DefaultConfig()
	}
	if r.config == nil {
		data, err := fs.ReadFile(w.tree.FS, path.Join(dir, ConfigFile))
		switch {
		case err == nil:
			c, err := ParseConfig(w.display(path.Join(dir, ConfigFile)), data)
			if err != nil {
				return nil, err
			}
			r.config = c
		case errors.Is(err, fs.ErrNotExist):
			r.config = DefaultConfig()
		default:
			return nil, fmt.Errorf("%s: %v", w.display(path.Join(dir, ConfigFile)), unwrapPathError(err))
		}
	}
	if r.isGit && !w.tree.Staged {
		r.tracked = w.trackedFiles(dir)
	}
	w.repos = append(w.repos, r)
	return r, nil
}

// trackedFiles reads the repository's index, or asks git when that fails
// (a worktree's .git file, a sparse or split index). Nil means unknown.
func (w *walker) trackedFiles(dir string) map[string]bool {
	if data, err := fs.ReadFile(w.tree.FS, path.Join(dir, ".git", "index")); err == nil {
		if paths, err := readGitIndex(data); err == nil {
			return paths
		}
	} else if errors.Is(err, fs.ErrNotExist) {
		if st, err := fs.Stat(w.tree.FS, path.Join(dir, ".git")); err == nil && st.IsDir() {
			return map[string]bool{} // a fresh repository: nothing tracked yet
		}
	}
	if w.tree.OSDir == "" {
		return nil
	}
	out, err := exec.Command("git", "-C", path.Join(w.tree.OSDir, dir), "ls-files", "-z", "--cached").Output()
	if err != nil {
		return nil
	}
	paths := map[string]bool{}
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			paths[p] = true
		}
	}
	return paths
}

// display turns a path in the FS into the name shown to the user.
func (w *walker) display(name string) string {
	start := path.Clean(w.tree.Start)
	rel := name
	if start != "." {
		rel = strings.TrimPrefix(strings.TrimPrefix(name, start), "/")
		if !strings.HasPrefix(name, start) {
			rel = name // outside Start (a config at the repository root)
			return rel
		}
	}
	if rel == "" {
		rel = "."
	}
	if w.tree.Display == "." || w.tree.Display == "" {
		return rel
	}
	return path.Join(w.tree.Display, rel)
}

func (w *walker) walk(dir string, r *repo, ign ignoreList) error {
	entries, err := fs.ReadDir(w.tree.FS, dir)
	if err != nil {
		if dir == path.Clean(w.tree.Start) {
			return fmt.Errorf("%s: %v", w.display(dir), unwrapPathError(err))
		}
		return nil // an unreadable subdirectory cannot hold a flake we can check
	}
	var hasGit, hasIgnore, hasConfig bool
	for _, e := range entries {
		switch e.Name() {
		case ".git":
			hasGit = true
		case ".gitignore":
			hasIgnore = true
		case ConfigFile:
			hasConfig = true
		}
	}
	if hasGit && !w.tree.Staged && dir != r.root {
		// A nested repository: its own index, config and ignores.
		nr, err := w.openRepoListed(dir, true, hasConfig)
		if err != nil {
			return err
		}
		r.nested++
		r, ign = nr, nil
	}
	if hasIgnore && !w.tree.Staged {
		ign = ign.join(w.gitignore(dir))
	}
	for _, e := range entries {
		name := e.Name()
		p := path.Join(dir, name)
		if name == ".git" {
			continue
		}
		if !w.tree.Staged && ign.ignored(p, e.IsDir()) {
			continue
		}
		if e.IsDir() { // symlinks are not followed, so loops cannot happen
			if err := w.walk(p, r, ign); err != nil {
				return err
			}
			continue
		}
		if name == "flake.nix" {
			r.flakes = append(r.flakes, dir)
		}
	}
	return nil
}

// unwrapPathError drops the *PathError's own copy of the path, which the
// caller's message already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
