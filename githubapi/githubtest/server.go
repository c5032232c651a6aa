// Package githubtest is a strict in-memory fake of the GitHub REST API for
// tests, backed by real git repositories.
//
// It speaks the documented API for the calls flakectl makes: repositories
// and their listing by organisation, commits, contents, git trees, tags,
// the tarball endpoints (served with `git archive`, one top-level directory
// OWNER-REPO-SHA7, every entry stamped with the committer date, as GitHub
// serves them), Git Data writes (blobs, trees, commits, refs), pull
// requests and compare. Blob, tree and commit SHAs are git's own.
//
// It is strict: a request for a route the fake does not know, with the
// wrong method, or with a malformed query or body fails the test that made
// it, and so does a fault that was injected but never triggered. Answers
// follow GitHub's documentation: status codes, error bodies
// {"message", "documentation_url"}, pagination Link headers, rate-limit
// headers.
//
// Real Nix checks the fake: nix_test.go runs `nix flake prefetch github:…`
// against it over TLS and compares with what nix/nar computes.
package githubtest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a fake GitHub. Create it with New; it stops when the test ends.
type Server struct {
	t     testing.TB
	srv   *httptest.Server
	store *objectStore
	mux   *http.ServeMux
	dir   string

	// apiURL is the API base URL clients use, with a trailing slash;
	// codeloadURL is where tarball requests redirect to.
	apiURL      string
	codeloadURL string
	webURL      string
	ca          *x509.Certificate
	caPEM       []byte

	mu        sync.Mutex
	repos     map[string]*Repo // by lower-case "owner/name"
	order     []*Repo          // creation order: repository ids
	tokens    map[string]bool  // accepted tokens; empty: any or none
	rateLimit int
	rateUsed  int
	rateReset time.Time
	faults    []*Fault
	// logMu guards requests alone: handlers hold mu while they answer.
	logMu        sync.Mutex
	requests     []Request
	latencyNanos atomic.Int64
	nextPullID   int
	closed       bool
	enterprise   bool
	apps         map[int64]*app
	issued       int
}

// Request is one request the fake answered.
type Request struct {
	Method string
	Path   string // URL path, with the query
	Host   string
	Status int
}

// Options configure New.
type Options struct {
	// Hosts makes the fake answer as GitHub's own hosts: API URL
	// https://api.github.com/, tarball redirects to
	// https://codeload.github.com, archive URLs on https://github.com. The
	// server listens on Listen (e.g. "127.0.0.1:443") over TLS with a
	// certificate for those names from the fake's own CA (CAPEM). Use it
	// only where those names resolve to the fake (a private namespace).
	Hosts  bool
	Listen string
	// TLS serves HTTPS (always on with Hosts); the client from Client
	// trusts the fake's CA.
	TLS bool
	// Tokens, when set, are the only tokens accepted in an Authorization
	// header; any other gets 401 Bad credentials. Requests without one
	// are anonymous and see only public repositories.
	Tokens []string
	// RateLimit is the primary rate limit per hour (default 5000).
	RateLimit int
	// Latency is added to every request, as a slow network would.
	Latency time.Duration
	// Enterprise answers as GitHub Enterprise Server too: the API under
	// /api/v3/ (URL returns that base). With Hosts, the server answers as
	// EnterpriseHost as well, and github.com stays as it is.
	Enterprise bool
}

// EnterpriseHost is the GitHub Enterprise Server host name the fake answers
// as with Options{Hosts: true, Enterprise: true}; InGitHubNamespace resolves
// it, and api.EnterpriseHost (where Nix 2.8 looks commits up for a host=
// input), to the fake too.
const EnterpriseHost = "ghe.example.com"

// New starts a fake GitHub for t.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{
		t:          t,
		dir:        t.TempDir(),
		repos:      map[string]*Repo{},
		tokens:     map[string]bool{},
		rateLimit:  opts.RateLimit,
		rateReset:  time.Now().Add(time.Hour).Truncate(time.Second),
		nextPullID: 1,
	}
	s.store = &objectStore{dir: filepath.Join(s.dir, "objects.git")}
	s.latencyNanos.Store(int64(opts.Latency))
	if s.rateLimit == 0 {
		s.rateLimit = 5000
	}
	for _, tok := range opts.Tokens {
		s.tokens[tok] = true
	}
	s.mux = http.NewServeMux()
	s.routes()
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if opts.Hosts || opts.TLS {
		cert, ca, caPEM, err := newCertificate([]string{"api.github.com", "codeload.github.com", "github.com", EnterpriseHost, "api." + EnterpriseHost, "localhost"})
		if err != nil {
			t.Fatalf("githubtest: %v", err)
		}
		s.ca, s.caPEM = ca, caPEM
		s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if opts.Listen != "" {
		l, err := net.Listen("tcp", opts.Listen)
		if err != nil {
			t.Fatalf("githubtest: %v", err)
		}
		s.srv.Listener.Close()
		s.srv.Listener = l
	}
	if s.srv.TLS != nil {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	s.enterprise = opts.Enterprise
	switch {
	case opts.Hosts && opts.Enterprise:
		s.apiURL = "https://" + EnterpriseHost + "/api/v3/"
		s.codeloadURL = "https://codeload.github.com"
		s.webURL = "https://github.com"
	case opts.Enterprise:
		s.apiURL = s.srv.URL + "/api/v3/"
		s.codeloadURL = s.srv.URL + "/_codeload"
		s.webURL = s.srv.URL + "/_web"
	case opts.Hosts:
		s.apiURL = "https://api.github.com/"
		s.codeloadURL = "https://codeload.github.com"
		s.webURL = "https://github.com"
	default:
		s.apiURL = s.srv.URL + "/"
		s.codeloadURL = s.srv.URL + "/_codeload"
		s.webURL = s.srv.URL + "/_web"
	}
	t.Cleanup(s.Close)
	return s
}

// SetLatency changes the latency added to every request (Options.Latency):
// a benchmark builds its repositories fast, then measures over a slow
// network.
func (s *Server) SetLatency(d time.Duration) { s.latencyNanos.Store(int64(d)) }

// Close stops the server and fails the test for every injected fault that
// never triggered. New registers it with t.Cleanup; calling it earlier is
// fine.
func (s *Server) Close() {
	s.srv.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	for _, f := range s.faults {
		if f.left > 0 && !f.Optional {
			s.t.Errorf("githubtest: fault %s for %s was injected but never triggered (%d left)", f.describe(), f.Match, f.left)
		}
	}
}

// URL is the API base URL, with a trailing slash, for --api-url.
func (s *Server) URL() string { return s.apiURL }

// CAPEM is the PEM certificate of the fake's CA (TLS only), for
// NIX_SSL_CERT_FILE or SSL_CERT_FILE.
func (s *Server) CAPEM() []byte { return s.caPEM }

// WriteCAFile writes the CA certificate to a file in the test's temporary
// directory and returns its path.
func (s *Server) WriteCAFile() string {
	p := filepath.Join(s.t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, s.caPEM, 0o644); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// Client returns an HTTP client that trusts the fake (with TLS).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Requests returns the requests answered so far, in order.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCount counts the requests answered so far whose "METHOD path"
// (path without the query) has the given prefix.
func (s *Server) RequestCount(prefix string) int {
	n := 0
	for _, r := range s.Requests() {
		p, _, _ := strings.Cut(r.Path, "?")
		if strings.HasPrefix(r.Method+" "+p, prefix) {
			n++
		}
	}
	return n
}

// serve wraps every request: latency, faults, rate limiting, auth, strict
// routing and the request log.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// The request is logged before it is answered, with its status as
	// soon as the status is written: a client that has its answer always
	// finds its request in Requests.
	s.logMu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.RequestURI(), Host: r.Host, Status: http.StatusOK})
	s.logMu.Unlock()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK, onStatus: func(code int) {
		s.logMu.Lock()
		s.requests[idx].Status = code
		s.logMu.Unlock()
	}}
	if latency := time.Duration(s.latencyNanos.Load()); latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	f := s.takeFault(r)
	if f != nil && !f.After && f.apply(rec, r) {
		return
	}
	if f != nil && f.After {
		// Carry the request out with its answer thrown away, then fail.
		s.handle(&discardWriter{header: http.Header{}}, r)
		f.apply(rec, r)
		return
	}
	s.handle(rec, r)
}

// handle routes one request and answers it.
func (s *Server) handle(rec http.ResponseWriter, r *http.Request) {
	if s.enterprise && strings.HasPrefix(r.URL.Path, "/api/v3/") {
		// GitHub Enterprise Server's API is GitHub's under /api/v3.
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/api/v3")
		r.URL.RawPath = ""
	}
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		s.t.Errorf("githubtest: unexpected request %s %s (host %s): no such route in the fake", r.Method, r.URL.RequestURI(), r.Host)
		writeError(rec, http.StatusNotFound, "Not Found", "")
		return
	}
	for key := range r.URL.Query() {
		if !slices.Contains(queryParams[pattern], key) {
			// GitHub ignores what it does not know; a misspelt parameter
			// is a client bug that would go unseen.
			s.malformed(rec, r, http.StatusBadRequest, "unknown query parameter %q for %s", key, pattern)
			return
		}
	}
	if strings.HasPrefix(pattern, "GET /repos/") || strings.HasPrefix(pattern, "GET /orgs/") ||
		(strings.HasPrefix(pattern, "POST ") && !strings.HasPrefix(pattern, "POST /app/")) || strings.HasPrefix(pattern, "PATCH ") || strings.HasPrefix(pattern, "DELETE ") {
		if !s.apiGate(rec, r) {
			return
		}
	}
	// ServeHTTP, not the handler Handler returned: it sets the path values.
	sr := &statusRecorder{ResponseWriter: rec, status: http.StatusOK}
	s.mux.ServeHTTP(sr, r)
	if sr.status == http.StatusNotModified {
		// A conditional request answered 304 does not count against the
		// primary rate limit.
		s.mu.Lock()
		s.rateUsed = max(0, s.rateUsed-1)
		s.mu.Unlock()
	}
}

// RateLimitUsed is how many API requests counted against the primary rate
// limit in the current window.
func (s *Server) RateLimitUsed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateUsed
}

// queryParams are the documented query parameters of each route that has
// any.
var queryParams = map[string][]string{
	"GET /orgs/{org}/repos":                           {"type", "sort", "direction", "per_page", "page"},
	"GET /repos/{owner}/{repo}/commits/{ref...}":      {"per_page", "page"},
	"GET /repos/{owner}/{repo}/contents/{path...}":    {"ref"},
	"GET /repos/{owner}/{repo}/git/trees/{sha}":       {"recursive"},
	"GET /repos/{owner}/{repo}/tags":                  {"per_page", "page"},
	"GET /repos/{owner}/{repo}/compare/{basehead...}": {"per_page", "page"},
	"GET /repos/{owner}/{repo}/pulls":                 {"state", "head", "base", "sort", "direction", "per_page", "page"},
}

// apiGate checks credentials and the primary rate limit, and sets the
// rate-limit headers GitHub sends on every API response.
func (s *Server) apiGate(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	checkTokens := len(s.tokens) > 0
	s.mu.Unlock()
	if auth := r.Header.Get("Authorization"); auth != "" && checkTokens {
		scheme, tok, _ := strings.Cut(auth, " ")
		scheme = strings.ToLower(scheme)
		s.mu.Lock()
		ok := s.tokens[tok]
		s.mu.Unlock()
		if (scheme != "token" && scheme != "bearer") || !ok {
			writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
			return false
		}
	}
	s.mu.Lock()
	if time.Now().After(s.rateReset) {
		s.rateUsed, s.rateReset = 0, time.Now().Add(time.Hour).Truncate(time.Second)
	}
	exceeded := s.rateUsed >= s.rateLimit
	if !exceeded {
		s.rateUsed++
	}
	limit, used, reset := s.rateLimit, s.rateUsed, s.rateReset
	s.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(limit-used))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	if exceeded {
		writeError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
		return false
	}
	return true
}

// SetRateLimitRemaining sets how many API requests remain before the
// primary rate limit answers 403, and when the window resets.
func (s *Server) SetRateLimitRemaining(remaining int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateUsed = s.rateLimit - remaining
	s.rateReset = reset.Truncate(time.Second)
}

func (s *Server) authenticated(r *http.Request) bool {
	return r.Header.Get("Authorization") != ""
}

type statusRecorder struct {
	http.ResponseWriter
	status   int
	onStatus func(int)
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	if r.onStatus != nil {
		r.onStatus(code)
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// discardWriter takes an answer nobody will see (Fault.After).
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// writeJSON writes v as GitHub does: application/json; charset=utf-8.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError writes GitHub's error body.
func writeError(w http.ResponseWriter, status int, message, doc string) {
	if doc == "" {
		doc = "https://docs.github.com/rest"
	}
	writeJSON(w, status, map[string]any{"message": message, "documentation_url": doc, "status": strconv.Itoa(status)})
}

// validationError is a 422 with GitHub's errors array.
func validationError(w http.ResponseWriter, doc string, errs ...map[string]any) {
	if doc == "" {
		doc = "https://docs.github.com/rest"
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed", "errors": errs, "documentation_url": doc, "status": "422",
	})
}

// malformed fails the test (the client sent something GitHub would
// reject as malformed) and answers as GitHub does.
func (s *Server) malformed(w http.ResponseWriter, r *http.Request, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.t.Errorf("githubtest: malformed request %s %s: %s", r.Method, r.URL.RequestURI(), msg)
	if status == http.StatusUnprocessableEntity {
		validationError(w, "", map[string]any{"message": msg, "code": "invalid"})
		return
	}
	writeError(w, status, msg, "")
}

// decodeBody decodes a JSON request body strictly into v; a body that is
// not JSON fails the test and answers 400 "Problems parsing JSON".
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		s.malformed(w, r, http.StatusBadRequest, "Problems parsing JSON: %v", err)
		return false
	}
	return true
}

// paginate answers one page of items with GitHub's Link header.
func (s *Server) paginate(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	perPage, page := 30, 1
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.malformed(w, r, http.StatusBadRequest, "per_page must be a positive integer")
			return
		}
		perPage = min(n, 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.malformed(w, r, http.StatusBadRequest, "page must be a positive integer")
			return
		}
		page = n
	}
	last := max(1, (len(items)+perPage-1)/perPage)
	link := func(p int, rel string) string {
		u := *r.URL
		uq := u.Query()
		uq.Set("page", strconv.Itoa(p))
		uq.Set("per_page", strconv.Itoa(perPage))
		u.RawQuery = uq.Encode()
		return fmt.Sprintf("<%s%s>; rel=%q", strings.TrimSuffix(s.apiURL, "/"), u.RequestURI(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo := min((page-1)*perPage, len(items))
	hi := min(lo+perPage, len(items))
	writeJSON(w, http.StatusOK, items[lo:hi])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Server) repoURL(full string) string {
	return s.apiURL + "repos/" + full
}

func queryEscape(s string) string { return url.QueryEscape(s) }
