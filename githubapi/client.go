// Package githubapi is flakectl's GitHub client: authentication (a token or
// a GitHub App installation), pacing and retries within GitHub's limits, and
// the calls `flakectl bump` and `flakectl nix prefetch` make, on
// github.com/google/go-github/v60.
//
// Errors are one line and say what to do; a token never appears in one,
// nor in anything logged.
package githubapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
	"golang.org/x/time/rate"
)

// DefaultAPIURL is GitHub's API.
const DefaultAPIURL = "https://api.github.com/"

// Config configures a Client.
type Config struct {
	// APIURL is the API base URL: DefaultAPIURL when empty; for GitHub
	// Enterprise Server https://HOST/api/v3/.
	APIURL string
	// Token is a personal access token or any other bearer token
	// (GITHUB_TOKEN in Actions).
	Token string
	// App authenticates as a GitHub App installation instead of Token.
	App *App
	// Transport is the underlying transport (nil: http.DefaultTransport);
	// tests pass the fake's.
	Transport http.RoundTripper
	// MaxRetries bounds the retries of one request (default 5).
	MaxRetries int
	// MaxWait is the longest the client waits for a rate limit to reset
	// before failing (default 10 minutes).
	MaxWait time.Duration
	// WritesPerMinute and WritesPerHour pace content-creating requests
	// (defaults 80 and 500, GitHub's documented secondary limits).
	WritesPerMinute int
	WritesPerHour   int
	// Timeout bounds the wait for a response to start, per attempt
	// (default 30s); a slow answer is retried like a dropped connection.
	Timeout time.Duration
	// CacheDir, when set, keeps API answers that have an ETag there and
	// makes later GETs conditional: unchanged answers (304) cost no quota.
	CacheDir string
	// UserAgent defaults to "flakectl".
	UserAgent string
}

// App is a GitHub App installation's credentials.
type App struct {
	AppID          int64
	InstallationID int64
	PrivateKey     []byte // PEM
}

// Client is a GitHub API client. Its methods are safe for concurrent use.
type Client struct {
	gh    *github.Client
	http  *http.Client
	pacer *pacer
	base  *url.URL
}

// TokenFromEnv returns GITHUB_TOKEN, or the contents of tokenFile when the
// variable is empty and the file exists ("" for none).
func TokenFromEnv(tokenFile string) (string, error) {
	if tok := os.Getenv("GITHUB_TOKEN"); tok != "" {
		return tok, nil
	}
	if tokenFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(tokenFile)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the token file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	base, err := url.Parse(apiURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("API URL %q: want an http(s) URL such as %s", cfg.APIURL, DefaultAPIURL)
	}
	next := cfg.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	// Authentication sits under the pacer, so each retry is signed afresh
	// (an installation token may have been renewed meanwhile).
	switch {
	case cfg.App != nil:
		itr, err := ghinstallation.New(next, cfg.App.AppID, cfg.App.InstallationID, cfg.App.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("GitHub App key: %v (want the PEM private key the App's settings page generates)", err)
		}
		itr.BaseURL = strings.TrimSuffix(apiURL, "/")
		next = &apiHostOnly{host: base.Host, auth: itr, plain: next}
	case cfg.Token != "":
		if strings.ContainsAny(cfg.Token, " \t\r\n") {
			return nil, errors.New("the GitHub token contains white space: check GITHUB_TOKEN or the token file")
		}
		next = &tokenTransport{token: cfg.Token, host: base.Host, next: next}
	}
	if cfg.CacheDir != "" {
		identity := "anonymous"
		switch {
		case cfg.App != nil:
			identity = fmt.Sprintf("app %d installation %d", cfg.App.AppID, cfg.App.InstallationID)
		case cfg.Token != "":
			sum := sha256.Sum256([]byte(cfg.Token))
			identity = "token " + hex.EncodeToString(sum[:])
		}
		next = &etagCache{dir: cfg.CacheDir, identity: identity, next: next}
	}
	p := &pacer{
		next:       next,
		maxRetries: cfg.MaxRetries,
		maxWait:    cfg.MaxWait,
		minBackoff: 500 * time.Millisecond,
		sleep:      sleepCtx,
		now:        time.Now,
	}
	if p.maxRetries == 0 {
		p.maxRetries = 5
	}
	if p.maxWait == 0 {
		p.maxWait = 10 * time.Minute
	}
	wpm := cfg.WritesPerMinute
	if wpm == 0 {
		wpm = 80
	}
	wph := cfg.WritesPerHour
	if wph == 0 {
		wph = 500
	}
	p.writes = []*rate.Limiter{
		rate.NewLimiter(rate.Every(time.Minute/time.Duration(wpm)), min(10, wpm)),
		rate.NewLimiter(rate.Every(time.Hour/time.Duration(wph)), wph),
	}
	p.timeout = cfg.Timeout
	if p.timeout == 0 {
		p.timeout = 30 * time.Second
	}
	hc := &http.Client{Transport: p}
	gh := github.NewClient(hc)
	gh.BaseURL = base
	gh.UploadURL = base
	gh.UserAgent = cfg.UserAgent
	if gh.UserAgent == "" {
		gh.UserAgent = "flakectl"
	}
	return &Client{gh: gh, http: hc, pacer: p, base: base}, nil
}

// tokenTransport adds the token to requests for the API host only: the
// tarball redirect to codeload (or any other host) never carries it.
type tokenTransport struct {
	token, host string
	next        http.RoundTripper
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.host {
		return t.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(req)
}

// apiHostOnly authenticates requests to the API host only.
type apiHostOnly struct {
	host        string
	auth, plain http.RoundTripper
}

func (a *apiHostOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != a.host {
		return a.plain.RoundTrip(req)
	}
	return a.auth.RoundTrip(req)
}

// GitHub returns the underlying go-github client, for calls this package
// does not wrap yet; it shares the pacing and retries.
func (c *Client) GitHub() *github.Client { return c.gh }

// call runs op and puts its error in words (see describe). Waiting and
// retrying happen in the pacer, under go-github.
func (c *Client) call(ctx context.Context, what string, op func() (*github.Response, error)) error {
	if _, err := op(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		return describe(what, err)
	}
	return nil
}
