package nar

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"
)

// HashPath returns the hash of the NAR serialisation of path, as
// `nix hash path --type ALGO PATH` computes it. Like Nix it does not follow a
// symlink named by path itself, unless path ends in a slash.
func HashPath(path string, algo nixhash.Algorithm) (*nixhash.Hash, error) {
	h, _, err := HashPathModTime(path, algo)
	return h, err
}

// HashPathModTime is HashPath that also returns the newest mtime in the tree
// (of files, directories and symlinks alike, to the second): what Nix's path
// fetcher records as lastModified.
func HashPathModTime(path string, algo nixhash.Algorithm) (*nixhash.Hash, time.Time, error) {
	hw := newHashWriter(algo)
	mtime, err := writePath(hw, path)
	if err != nil {
		return nil, time.Time{}, err
	}
	h, err := hw.sum()
	return h, time.Unix(mtime, 0), err
}

// WritePath writes the NAR serialisation of path to w.
func WritePath(w io.Writer, path string) error {
	_, err := writePath(w, path)
	return err
}

// Reading a tree is mostly system calls (lstat, open, read, close) on many
// small files, so it runs as a pipeline: one goroutine walks the tree in NAR
// order, a few read the contents of small files ahead of need, and the
// caller's goroutine encodes and hashes in order. Work moves between them in
// batches, as handing over single files costs more than reading them.
// Read-ahead is bounded by prefetchBudget bytes; larger files are streamed by
// the encoder itself.
const (
	prefetchMax    = 1 << 20  // files up to this size are read ahead
	prefetchBudget = 64 << 20 // bytes read ahead and not yet encoded
	eventBatch     = 512      // events per hand-over to the encoder
	chunkFiles     = 32       // files per hand-over to a reader
)

// walkOp is one step of a NAR, in order.
type walkOp uint8

const (
	opDir     walkOp = iota // start of a directory node
	opEnd                   // end of a node opened by opDir or opEntry
	opEntry                 // start of a directory entry: name
	opFile                  // a whole regular file node
	opSymlink               // a whole symlink node: name is the target
)

type walkEvent struct {
	op    walkOp
	name  string
	path  string
	size  int64
	exec  bool
	chunk *readChunk // for small files: where a reader puts the contents
	index int        // in chunk
}

// readChunk is a batch of small files one reader reads.
type readChunk struct {
	paths []string
	sizes []int64
	bufs  [][]byte
	err   error
	done  chan struct{}
}

func writePath(w io.Writer, path string) (mtime int64, err error) {
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		// "link/" names the directory the link points to, as in Nix.
		path += "."
	}
	batches := make(chan []walkEvent, 16)
	jobs := make(chan *readChunk, 64)
	stop := make(chan struct{})
	wk := &walker{batches: batches, jobs: jobs, stop: stop, budget: newBudget(prefetchBudget)}

	var readers sync.WaitGroup
	for range max(2, runtime.GOMAXPROCS(0)) {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for c := range jobs {
				c.bufs = make([][]byte, len(c.paths))
				for i, p := range c.paths {
					if c.bufs[i], c.err = readFile(p, c.sizes[i]); c.err != nil {
						break
					}
				}
				close(c.done)
			}
		}()
	}
	var walkErr error
	go func() {
		defer close(batches)
		walkErr = wk.walk(path)
		if walkErr == nil {
			walkErr = wk.flush()
		}
		close(jobs)
	}()
	defer func() {
		close(stop) // unblocks the walker if we return early
		wk.budget.close()
		for range batches {
		}
		readers.Wait()
	}()

	e := &encoder{w: w}
	e.str(narMagic)
	for batch := range batches {
		for _, ev := range batch {
			switch ev.op {
			case opDir:
				e.start("directory")
			case opEnd:
				e.end()
			case opEntry:
				e.startEntry(ev.name)
			case opSymlink:
				e.symlink(ev.name)
			case opFile:
				if c := ev.chunk; c != nil {
					<-c.done
					if c.err != nil {
						return 0, c.err
					}
					e.regularBytes(ev.exec, c.bufs[ev.index])
					c.bufs[ev.index] = nil
					wk.budget.release(ev.size)
				} else if err := streamFile(e, ev.path, ev.size, ev.exec); err != nil {
					return 0, err
				}
			}
			if e.err != nil {
				return 0, e.err
			}
		}
	}
	// batches is closed: the walker is done and walkErr is set.
	if walkErr != nil {
		return 0, walkErr
	}
	return wk.mtime, e.err
}

func streamFile(e *encoder, path string, size int64, exec bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	e.regular(exec, size, f)
	if errors.Is(e.err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: file changed size while being read", path)
	}
	return e.err
}

type walker struct {
	batches chan<- []walkEvent
	jobs    chan<- *readChunk
	stop    <-chan struct{}
	budget  *budget
	mtime   int64
	batch   []walkEvent
	chunk   *readChunk
}

var errStopped = errors.New("stopped")

func (wk *walker) send(ev walkEvent) error {
	wk.batch = append(wk.batch, ev)
	if len(wk.batch) >= eventBatch {
		return wk.flush()
	}
	return nil
}

// flush hands the pending reads to the readers, then the pending events to
// the encoder: never the other way round, or the encoder could wait for a
// read nobody was asked to do.
func (wk *walker) flush() error {
	if wk.chunk != nil {
		wk.jobs <- wk.chunk
		wk.chunk = nil
	}
	if len(wk.batch) == 0 {
		return nil
	}
	select {
	case wk.batches <- wk.batch:
		wk.batch = make([]walkEvent, 0, eventBatch)
		return nil
	case <-wk.stop:
		return errStopped
	}
}

// walk sends the events of the node at path, in NAR order, and raises
// wk.mtime to its mtime and its descendants'.
func (wk *walker) walk(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if t := fi.ModTime().Unix(); t > wk.mtime {
		wk.mtime = t
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		ev := walkEvent{op: opFile, path: path, size: fi.Size(), exec: mode&0o100 != 0}
		if ev.size <= prefetchMax {
			if !wk.budget.acquire(ev.size) {
				// Out of budget: the encoder may be waiting for what
				// we hold, so hand it over before waiting.
				if err := wk.flush(); err != nil {
					return err
				}
				if !wk.budget.wait(ev.size) {
					return errStopped
				}
			}
			if wk.chunk == nil {
				wk.chunk = &readChunk{done: make(chan struct{})}
			}
			c := wk.chunk
			ev.chunk, ev.index = c, len(c.paths)
			c.paths = append(c.paths, path)
			c.sizes = append(c.sizes, ev.size)
			if len(c.paths) == chunkFiles {
				wk.jobs <- c
				wk.chunk = nil
			}
		}
		return wk.send(ev)
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		return wk.send(walkEvent{op: opSymlink, name: target})
	case mode.IsDir():
		entries, err := os.ReadDir(path) // sorted bytewise by name
		if err != nil {
			return err
		}
		if err := wk.send(walkEvent{op: opDir}); err != nil {
			return err
		}
		for _, ent := range entries {
			if err := wk.send(walkEvent{op: opEntry, name: ent.Name()}); err != nil {
				return err
			}
			if err := wk.walk(filepath.Join(path, ent.Name())); err != nil {
				return err
			}
			if err := wk.send(walkEvent{op: opEnd}); err != nil {
				return err
			}
		}
		return wk.send(walkEvent{op: opEnd})
	default:
		return fmt.Errorf("file '%s' %w", path, ErrUnsupported)
	}
}

// budget is a counting semaphore of bytes.
type budget struct {
	mu     sync.Mutex
	cond   *sync.Cond
	free   int64
	closed bool
}

func newBudget(n int64) *budget {
	b := &budget{free: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire takes n bytes if they are free, without waiting.
func (b *budget) acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.free < n || b.closed {
		return false
	}
	b.free -= n
	return true
}

// wait takes n bytes, waiting for them; false if the budget was closed.
func (b *budget) wait(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.free < n && !b.closed {
		b.cond.Wait()
	}
	b.free -= n
	return !b.closed
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *budget) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cond.Broadcast()
}
