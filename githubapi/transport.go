package githubapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// pacer is the RoundTripper that keeps flakectl within GitHub's limits and
// rides out transient faults:
//
//   - primary rate limit: once a response says X-RateLimit-Remaining: 0,
//     requests wait for X-RateLimit-Reset (if that is within MaxWait;
//     otherwise they fail at once with a RateLimitedError);
//   - secondary rate limits: a 403 or 429 with Retry-After waits that long
//     and retries; content-creating requests (POST, PATCH, PUT, DELETE) are
//     paced under GitHub's documented 80 a minute;
//   - 5xx answers and dropped connections are retried with exponential
//     backoff and jitter, at most MaxRetries times;
//   - every wait ends early when the request's context does.
type pacer struct {
	next       http.RoundTripper
	maxRetries int
	maxWait    time.Duration
	minBackoff time.Duration
	writes     []*rate.Limiter
	timeout    time.Duration // until the response headers, per attempt
	sleep      func(ctx context.Context, d time.Duration) error
	now        func() time.Time

	mu         sync.Mutex
	blockedTil time.Time // primary limit exhausted until then
}

// RateLimitedError says GitHub's rate limit is exhausted until a time
// further away than the client is willing to wait.
type RateLimitedError struct {
	Until     time.Time
	Secondary bool
}

func (e *RateLimitedError) Error() string {
	kind := "rate limit"
	if e.Secondary {
		kind = "secondary rate limit"
	}
	return fmt.Sprintf("GitHub %s exceeded until %s UTC: wait, or authenticate as a GitHub App for a higher limit",
		kind, e.Until.UTC().Format("15:04"))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func (p *pacer) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if isWrite(req.Method) {
		for _, l := range p.writes {
			if err := l.Wait(ctx); err != nil {
				return nil, err
			}
		}
	}
	for attempt := 0; ; attempt++ {
		if err := p.waitPrimary(ctx); err != nil {
			return nil, err
		}
		if attempt > 0 && req.Body != nil {
			if req.GetBody == nil {
				return nil, errors.New("cannot retry a request whose body cannot be replayed")
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(ctx)
			req.Body = body
		}
		resp, err := p.attempt(req)
		wait, retry, rerr := p.judge(resp, err, attempt)
		if !retry {
			if rerr != nil {
				if resp != nil {
					resp.Body.Close()
				}
				return nil, rerr
			}
			return resp, err
		}
		if resp != nil {
			// Drain a little so the connection can be reused.
			_, _ = io.CopyN(io.Discard, resp.Body, 4096)
			resp.Body.Close()
		}
		if err := p.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// errSlow is the error of an attempt whose answer took longer than the
// pacer's timeout to start.
var errSlow = errors.New("GitHub did not answer in time")

// attempt sends req once, giving up (with errSlow) if the response headers
// do not arrive within the timeout; the body may then take as long as it
// needs (a tarball is large).
func (p *pacer) attempt(req *http.Request) (*http.Response, error) {
	if p.timeout <= 0 {
		return p.next.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(p.timeout, func() { cancel(errSlow) })
	resp, err := p.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() && context.Cause(ctx) == errSlow {
		if resp != nil {
			resp.Body.Close()
		}
		cancel(nil)
		return nil, errSlow
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// judge decides what to do with one attempt's outcome: how long to wait
// before retrying, or whether to give up with an error of our own.
func (p *pacer) judge(resp *http.Response, err error, attempt int) (time.Duration, bool, error) {
	canRetry := attempt < p.maxRetries
	if err != nil {
		if canRetry && transient(err) {
			return p.backoff(attempt), true, nil
		}
		return 0, false, nil
	}
	p.notePrimary(resp)
	switch resp.StatusCode {
	case http.StatusForbidden, http.StatusTooManyRequests:
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			secs, perr := strconv.Atoi(ra)
			if perr != nil || secs < 0 {
				secs = 60
			}
			d := time.Duration(secs) * time.Second
			if d > p.maxWait || !canRetry {
				return 0, false, &RateLimitedError{Until: p.now().Add(d), Secondary: true}
			}
			return d, true, nil
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			reset := resetTime(resp)
			if d := reset.Sub(p.now()); d <= p.maxWait && canRetry {
				return 0, true, nil // waitPrimary does the waiting
			}
			return 0, false, &RateLimitedError{Until: reset}
		}
		// A secondary limit without Retry-After: GitHub asks for at least
		// a minute's pause. Only the body tells it from a refusal.
		if secondaryLimit(resp) {
			if time.Minute > p.maxWait || !canRetry {
				return 0, false, &RateLimitedError{Until: p.now().Add(time.Minute), Secondary: true}
			}
			return time.Minute, true, nil
		}
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if canRetry {
			return p.backoff(attempt), true, nil
		}
	}
	return 0, false, nil
}

// secondaryLimit reports whether a 403 or 429 is a secondary rate limit,
// leaving the body readable.
func secondaryLimit(resp *http.Response) bool {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	return err == nil && bytes.Contains(bytes.ToLower(body), []byte("secondary rate limit"))
}

func resetTime(resp *http.Response) time.Time {
	secs, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return time.Now().Add(time.Minute)
	}
	return time.Unix(secs, 0)
}

// notePrimary remembers an exhausted primary limit, so that the next
// requests wait for the reset instead of failing, and forgets it once
// GitHub reports quota again.
func (p *pacer) notePrimary(resp *http.Response) {
	remaining := resp.Header.Get("X-RateLimit-Remaining")
	if remaining == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if remaining != "0" {
		p.blockedTil = time.Time{}
		return
	}
	p.blockedTil = resetTime(resp)
	if resp.StatusCode < 400 {
		// go-github would refuse every request until the reset on its own,
		// with an error; the pacer waits instead, so it alone needs to know.
		resp.Header.Del("X-RateLimit-Reset")
	}
}

func (p *pacer) waitPrimary(ctx context.Context) error {
	p.mu.Lock()
	until := p.blockedTil
	p.mu.Unlock()
	d := until.Sub(p.now())
	if d <= 0 {
		return nil
	}
	if d > p.maxWait {
		return &RateLimitedError{Until: until}
	}
	// A second past the reset: GitHub's clock and ours differ a little.
	return p.sleep(ctx, d+time.Second)
}

func (p *pacer) backoff(attempt int) time.Duration {
	d := p.minBackoff << attempt
	return d/2 + rand.N(d/2+1)
}

// transient reports whether a transport error is worth retrying: a dropped
// or reset connection, or a timeout, but not a TLS or DNS failure.
func transient(err error) bool {
	if errors.Is(err, errSlow) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
