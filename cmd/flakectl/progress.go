package main

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// progress draws "linting: 12/140 repositories" on a terminal, and nothing
// otherwise (stderr redirected to a file or a CI log).
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	verb  string
	n, of int
	on    bool
}

func newProgress(w io.Writer, verb string, of int) *progress {
	p := &progress{w: w, verb: verb, of: of}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	return p
}

func (p *progress) done() { p.doneOf(-1) }

// doneOf counts one more repository of of (known once discovery is done;
// -1 keeps the total).
func (p *progress) doneOf(of int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if of >= 0 {
		p.of = of
	}
	if p.on {
		const width = 30
		fill := width * p.n / max(p.of, 1)
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < fill {
				bar[i] = '#'
			}
		}
		fmt.Fprintf(p.w, "\r%s [%s] %d/%d repositories", p.verb, bar, p.n, p.of)
	}
}

func (p *progress) finish() {
	if p.on && p.n > 0 {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
