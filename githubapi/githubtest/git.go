package githubtest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A File is one entry of a commit's tree: a regular file (Mode 0o644 or
// 0o755) or a symlink (Mode ModeSymlink, Content its target).
type File struct {
	Content string
	Mode    int
}

// Git file modes, as git writes them in trees.
const (
	ModeFile       = 0o100644
	ModeExecutable = 0o100755
	ModeSymlink    = 0o120000
)

// Files is a commit's whole tree, by slash-separated path.
type Files map[string]File

// Text is a regular, non-executable file.
func Text(s string) File { return File{Content: s, Mode: ModeFile} }

// Executable is a regular file with the executable bit.
func Executable(s string) File { return File{Content: s, Mode: ModeExecutable} }

// Symlink is a symbolic link to target, kept verbatim.
func Symlink(target string) File { return File{Content: target, Mode: ModeSymlink} }

// objectStore is one bare git repository holding the objects of every
// repository of a fake: every object the fake serves is a real git object,
// so SHAs and archives are exactly what git (and GitHub) produce. Objects
// never change, so what git said once is kept, and identical content across
// a thousand repositories is written once: a request or a test commit costs
// a few git processes at most.
type objectStore struct {
	dir     string
	once    sync.Once
	initErr error

	mu      sync.Mutex
	types   map[string]string
	commits map[string]*commitInfo
	trees   map[string][]treeEntry
	written map[string]string // blob content, mktree input, commit input -> SHA
}

// gitRepo is one repository: the shared objects and its own refs, which
// live in memory (every ref change goes through the fake).
type gitRepo struct {
	*objectStore
	initialBranch string

	refMu  sync.Mutex
	refMap map[string]string
	// known are the objects this repository has: the store is shared, but
	// on GitHub a SHA from another repository is not found.
	known map[string]bool
}

func newGitRepo(store *objectStore, initialBranch string) *gitRepo {
	return &gitRepo{objectStore: store, initialBranch: initialBranch, refMap: map[string]string{}, known: map[string]bool{}}
}

// objectType is the store's, for objects this repository has.
func (r *gitRepo) objectType(sha string) string {
	r.refMu.Lock()
	ok := r.known[sha]
	r.refMu.Unlock()
	if !ok {
		return ""
	}
	return r.objectStore.objectType(sha)
}

// add records that the repository has sha and, for a tree, everything
// beneath it (a commit's tree is added with the commit).
func (r *gitRepo) add(sha string) error {
	typ := r.objectStore.objectType(sha)
	var more []string
	switch typ {
	case "":
		return fmt.Errorf("no object %s", sha)
	case "commit":
		c, err := r.readCommit(sha)
		if err != nil {
			return err
		}
		more = append(more, c.Tree)
	case "tree":
		entries, err := r.lsTree(sha, true)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Type != "commit" { // submodules point elsewhere
				more = append(more, e.SHA)
			}
		}
	}
	r.refMu.Lock()
	r.known[sha] = true
	r.refMu.Unlock()
	for _, m := range more {
		if err := r.add(m); err != nil {
			return err
		}
	}
	return nil
}

// remember returns what key was written as before, or writes it with
// write and remembers the SHA.
func (r *objectStore) remember(key string, write func() (string, error)) (string, error) {
	r.mu.Lock()
	sha, ok := r.written[key]
	r.mu.Unlock()
	if ok {
		return sha, nil
	}
	sha, err := write()
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	if r.written == nil {
		r.written = map[string]string{}
	}
	r.written[key] = sha
	r.mu.Unlock()
	return sha, nil
}

// git runs git on the repository and returns its stdout.
func (r *objectStore) git(env []string, stdin io.Reader, args ...string) ([]byte, error) {
	r.once.Do(func() {
		_, r.initErr = r.run(nil, nil, "init", "--quiet", "--bare", r.dir)
	})
	if r.initErr != nil {
		return nil, r.initErr
	}
	return r.run(env, stdin, args...)
}

func (r *objectStore) run(env []string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(),
		"GIT_DIR="+r.dir,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"LC_ALL=C",
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}

func (r *objectStore) line(args ...string) (string, error) {
	out, err := r.git(nil, nil, args...)
	return strings.TrimSpace(string(out)), err
}

func (r *objectStore) writeBlob(content []byte) (string, error) {
	return r.remember("blob "+string(content), func() (string, error) {
		out, err := r.git(nil, bytes.NewReader(content), "hash-object", "-w", "--stdin")
		return strings.TrimSpace(string(out)), err
	})
}

// treeEntry is one line of `git mktree` input / `git ls-tree` output.
type treeEntry struct {
	Mode string // "100644", "100755", "120000", "040000", "160000"
	Type string // blob, tree, commit
	SHA  string
	Path string
	Size int64 // blobs only, -1 otherwise
}

// writeTree writes a tree (recursively) for files and returns its SHA.
func (r *objectStore) writeTree(files Files) (string, error) {
	dirs := map[string][]treeEntry{"": nil}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		f := files[p]
		if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p {
			return "", fmt.Errorf("bad path %q", p)
		}
		sha, err := r.writeBlob([]byte(f.Content))
		if err != nil {
			return "", err
		}
		mode := f.Mode
		if mode == 0 {
			mode = ModeFile
		}
		dir, name := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		dirs[dir] = append(dirs[dir], treeEntry{Mode: strconv.FormatInt(int64(mode), 8), Type: "blob", SHA: sha, Path: name})
		for d := dir; d != ""; {
			parent, _ := path.Split(d)
			parent = strings.TrimSuffix(parent, "/")
			if _, ok := dirs[d]; !ok {
				dirs[d] = nil
			}
			d = parent
		}
	}
	return r.mktree(dirs, "")
}

func (r *objectStore) mktree(dirs map[string][]treeEntry, dir string) (string, error) {
	entries := append([]treeEntry(nil), dirs[dir]...)
	for d := range dirs {
		if d == "" {
			continue
		}
		parent, name := path.Split(d)
		if strings.TrimSuffix(parent, "/") != dir {
			continue
		}
		sha, err := r.mktree(dirs, d)
		if err != nil {
			return "", err
		}
		entries = append(entries, treeEntry{Mode: "040000", Type: "tree", SHA: sha, Path: name})
	}
	return r.mktreeEntries(entries)
}

func (r *objectStore) mktreeEntries(entries []treeEntry) (string, error) {
	var in bytes.Buffer
	for _, e := range entries {
		fmt.Fprintf(&in, "%s %s %s\t%s\n", e.Mode, e.Type, e.SHA, e.Path)
	}
	return r.remember("mktree "+in.String(), func() (string, error) {
		out, err := r.git(nil, &in, "mktree")
		return strings.TrimSpace(string(out)), err
	})
}

// Signature is a commit's author or committer.
type Signature struct {
	Name  string
	Email string
	Date  time.Time
}

func (s Signature) gitDate() string {
	return fmt.Sprintf("%d %s", s.Date.Unix(), s.Date.Format("-0700"))
}

func (r *objectStore) commitTree(tree string, parents []string, msg string, author, committer Signature) (string, error) {
	args := []string{"commit-tree", tree}
	for _, p := range parents {
		args = append(args, "-p", p)
	}
	env := []string{
		"GIT_AUTHOR_NAME=" + author.Name, "GIT_AUTHOR_EMAIL=" + author.Email, "GIT_AUTHOR_DATE=" + author.gitDate(),
		"GIT_COMMITTER_NAME=" + committer.Name, "GIT_COMMITTER_EMAIL=" + committer.Email, "GIT_COMMITTER_DATE=" + committer.gitDate(),
	}
	return r.remember(fmt.Sprint("commit ", args, env, msg), func() (string, error) {
		out, err := r.git(env, strings.NewReader(msg), args...)
		return strings.TrimSpace(string(out)), err
	})
}

// objectType returns "blob", "tree", "commit", "tag", or "" if sha is not
// an object of the repository.
func (r *objectStore) objectType(sha string) string {
	if !isSHA(sha) {
		return ""
	}
	r.mu.Lock()
	t, ok := r.types[sha]
	r.mu.Unlock()
	if ok {
		return t
	}
	t, err := r.line("cat-file", "-t", sha)
	if err != nil {
		return ""
	}
	r.mu.Lock()
	if r.types == nil {
		r.types = map[string]string{}
	}
	r.types[sha] = t
	r.mu.Unlock()
	return t
}

func (r *objectStore) readObject(typ, sha string) ([]byte, error) {
	return r.git(nil, nil, "cat-file", typ, sha)
}

// commitInfo is a parsed commit object.
type commitInfo struct {
	SHA       string
	Tree      string
	Parents   []string
	Author    Signature
	Committer Signature
	Message   string
}

func (r *objectStore) readCommit(sha string) (*commitInfo, error) {
	r.mu.Lock()
	c, ok := r.commits[sha]
	r.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := r.parseCommit(sha)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.commits == nil {
		r.commits = map[string]*commitInfo{}
	}
	r.commits[sha] = c
	r.mu.Unlock()
	return c, nil
}

func (r *objectStore) parseCommit(sha string) (*commitInfo, error) {
	raw, err := r.readObject("commit", sha)
	if err != nil {
		return nil, err
	}
	c := &commitInfo{SHA: sha}
	head, msg, _ := strings.Cut(string(raw), "\n\n")
	c.Message = msg
	for _, l := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "tree":
			c.Tree = v
		case "parent":
			c.Parents = append(c.Parents, v)
		case "author":
			c.Author = parseSignature(v)
		case "committer":
			c.Committer = parseSignature(v)
		}
	}
	return c, nil
}

// parseSignature parses "Name <email> 1700000000 +0100".
func parseSignature(v string) Signature {
	var s Signature
	lt, gt := strings.Index(v, "<"), strings.LastIndex(v, ">")
	if lt < 0 || gt < lt {
		return s
	}
	s.Name = strings.TrimSpace(v[:lt])
	s.Email = v[lt+1 : gt]
	fields := strings.Fields(v[gt+1:])
	if len(fields) == 2 {
		secs, _ := strconv.ParseInt(fields[0], 10, 64)
		tz, err := time.Parse("-0700", fields[1])
		loc := time.UTC
		if err == nil {
			_, off := tz.Zone()
			loc = time.FixedZone("", off)
		}
		s.Date = time.Unix(secs, 0).In(loc)
	}
	return s
}

// lsTree lists a tree; recursive lists every blob and tree beneath it.
func (r *objectStore) lsTree(sha string, recursive bool) ([]treeEntry, error) {
	key := fmt.Sprint(sha, recursive)
	r.mu.Lock()
	entries, ok := r.trees[key]
	r.mu.Unlock()
	if ok {
		return entries, nil
	}
	entries, err := r.listTree(sha, recursive)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.trees == nil {
		r.trees = map[string][]treeEntry{}
	}
	r.trees[key] = entries
	r.mu.Unlock()
	return entries, nil
}

func (r *objectStore) listTree(sha string, recursive bool) ([]treeEntry, error) {
	args := []string{"ls-tree", "-z", "--long"}
	if recursive {
		args = append(args, "-r", "-t")
	}
	out, err := r.git(nil, nil, append(args, sha)...)
	if err != nil {
		return nil, err
	}
	var entries []treeEntry
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		meta, p, _ := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if len(f) != 4 {
			return nil, fmt.Errorf("git ls-tree: unexpected line %q", rec)
		}
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			size = -1
		}
		entries = append(entries, treeEntry{Mode: f[0], Type: f[1], SHA: f[2], Path: p, Size: size})
	}
	return entries, nil
}

// resolve returns the commit a ref names: a full or abbreviated SHA, a
// branch, a tag (peeled), refs/heads/..., refs/tags/..., or HEAD.
func (r *gitRepo) resolve(ref string) (string, bool) {
	if ref == "" || strings.HasPrefix(ref, "-") || strings.Contains(ref, "..") || strings.ContainsAny(ref, "^~:@{ \\") {
		return "", false
	}
	if isSHA(ref) && r.objectType(ref) == "commit" {
		return ref, true
	}
	candidates := []string{"refs/heads/" + ref, "refs/tags/" + ref}
	switch {
	case ref == "HEAD":
		candidates = []string{"refs/heads/" + r.initialBranch}
	case strings.HasPrefix(ref, "refs/"):
		candidates = []string{ref}
	}
	for _, c := range candidates {
		sha, ok := r.refSHA(c)
		if !ok {
			continue
		}
		if r.objectType(sha) == "commit" {
			return sha, true
		}
		// An annotated tag: peel it.
		if peeled, err := r.line("rev-parse", "--verify", "--quiet", "--end-of-options", sha+"^{commit}"); err == nil && peeled != "" {
			return peeled, true
		}
	}
	if len(ref) >= 7 && len(ref) < 40 && isHex(ref) {
		if sha, err := r.line("rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}"); err == nil && r.objectType(sha) == "commit" {
			return sha, true
		}
	}
	return "", false
}

// refs lists refs under prefix ("refs/heads/", "refs/tags/"), sorted by
// name, with the object each points at.
func (r *gitRepo) refs(prefix string) ([][2]string, error) {
	r.refMu.Lock()
	defer r.refMu.Unlock()
	var refs [][2]string
	for name, sha := range r.refMap {
		if strings.HasPrefix(name, prefix) {
			refs = append(refs, [2]string{name, sha})
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i][0] < refs[j][0] })
	return refs, nil
}

func (r *gitRepo) refSHA(name string) (string, bool) {
	r.refMu.Lock()
	defer r.refMu.Unlock()
	sha, ok := r.refMap[name]
	return sha, ok
}

func (r *gitRepo) updateRef(name, sha string) error {
	if r.objectType(sha) == "" {
		return fmt.Errorf("update-ref %s: no object %s", name, sha)
	}
	r.refMu.Lock()
	defer r.refMu.Unlock()
	r.refMap[name] = sha
	return nil
}

func (r *gitRepo) deleteRef(name string) error {
	r.refMu.Lock()
	defer r.refMu.Unlock()
	delete(r.refMap, name)
	return nil
}

// isAncestor reports whether a is an ancestor of (or equal to) b.
func (r *objectStore) isAncestor(a, b string) bool {
	_, err := r.git(nil, nil, "merge-base", "--is-ancestor", a, b)
	return err == nil
}

// archive writes `git archive --format=tar.gz --prefix=PREFIX/ SHA` to w,
// as GitHub's tarball endpoints do: attributes (export-ignore, export-subst)
// come from the commit itself and every entry is stamped with the commit's
// committer date.
func (r *objectStore) archive(w io.Writer, sha, prefix string) error {
	if _, err := r.git(nil, nil, "rev-parse", "--verify", "--quiet", sha+"^{commit}"); err != nil {
		return err
	}
	cmd := exec.Command("git", "archive", "--format=tar.gz", "--prefix="+prefix+"/", sha)
	cmd.Env = append(os.Environ(), "GIT_DIR="+r.dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git archive: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func isSHA(s string) bool { return len(s) == 40 && isHex(s) }
