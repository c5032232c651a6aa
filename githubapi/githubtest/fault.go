package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A Fault is an injected failure for the requests whose "METHOD path"
// starts with Match (e.g. "GET /repos/o/r/commits/"; "" matches all).
type Fault struct {
	Match string
	// Status answers with this status and GitHub's error body for it
	// (502 Bad Gateway, 500, 503, 403 with RetryAfter: a secondary rate
	// limit).
	Status int
	// RetryAfter sets the Retry-After header, in seconds.
	RetryAfter int
	// Delay holds the answer back this long; alone (Status 0, Drop false)
	// the request is then answered normally: a slow response.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// Times is how many matching requests fail (default 1).
	Times int
	// Optional faults may go unused without failing the test.
	Optional bool
	// After lets the fake carry the request out first and only then fail
	// it as Status or Drop say: the client sees an error for a request
	// that took effect (a POST that created its branch, say), as happens
	// when GitHub's front end times out after the back end did the work.
	After bool

	left int
}

// InjectFault makes the next matching requests fail as f says. A fault
// still pending when the test ends fails it, unless Optional.
func (s *Server) InjectFault(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	f.left = f.Times
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left > 0 && strings.HasPrefix(r.Method+" "+r.URL.Path, f.Match) {
			f.left--
			return f
		}
	}
	return nil
}

func (f *Fault) describe() string {
	switch {
	case f.Drop:
		return "drop"
	case f.Status != 0:
		return strconv.Itoa(f.Status)
	default:
		return fmt.Sprintf("delay %s", f.Delay)
	}
}

// apply answers r as the fault says; it returns false when the request
// should then be answered normally (a delay only).
func (f *Fault) apply(w http.ResponseWriter, r *http.Request) bool {
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Drop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	case f.Status == 0:
		return false
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	switch {
	case f.Status == http.StatusForbidden || f.Status == http.StatusTooManyRequests:
		writeError(w, f.Status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
	case f.Status >= 500:
		// GitHub's front end answers 5xx with a short body, often not JSON.
		http.Error(w, http.StatusText(f.Status), f.Status)
	default:
		writeError(w, f.Status, http.StatusText(f.Status), "")
	}
	return true
}
