package githubapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
)

// ErrNotFound is wrapped by errors for things that do not exist or that
// the credentials cannot see (GitHub answers 404 for both).
var ErrNotFound = errors.New("not found")

// ErrEmptyRepository is wrapped by errors for reads of a repository with no
// commit yet (GitHub answers 409 "Git Repository is empty.").
var ErrEmptyRepository = errors.New("the repository is empty")

// describe turns a go-github or transport error into one line that says
// what failed and what to do. what names the operation ("reading
// acme/widgets flake.lock").
func describe(what string, err error) error {
	var (
		rl  *RateLimitedError
		grl *github.RateLimitError
		arl *github.AbuseRateLimitError
		er  *github.ErrorResponse
		ue  *url.Error
		ie  *ghinstallation.HTTPError
	)
	switch {
	case errors.As(err, &ie):
		status := "no answer"
		if ie.Response != nil {
			status = ie.Response.Status
		}
		return fmt.Errorf("%s: GitHub App installation %d: no installation token (%s): check the App id, the installation id and that the App is installed on the organisation", what, ie.InstallationID, status)
	case errors.As(err, &rl):
		return fmt.Errorf("%s: %w", what, rl)
	case errors.As(err, &grl):
		return fmt.Errorf("%s: %w", what, &RateLimitedError{Until: grl.Rate.Reset.Time})
	case errors.As(err, &arl):
		until := "a few minutes"
		if arl.RetryAfter != nil {
			until = arl.RetryAfter.String()
		}
		return fmt.Errorf("%s: GitHub secondary rate limit: retry after %s, with fewer concurrent requests", what, until)
	case errors.As(err, &er):
		return describeResponse(what, er)
	case errors.As(err, &ue):
		// The URL may carry a codeload token in its query: drop it.
		u, perr := url.Parse(ue.URL)
		where := "GitHub"
		if perr == nil {
			where = u.Host
		}
		return fmt.Errorf("%s: cannot reach %s: %v", what, where, ue.Err)
	}
	return fmt.Errorf("%s: %v", what, err)
}

func describeResponse(what string, er *github.ErrorResponse) error {
	status := 0
	var hdr http.Header
	if er.Response != nil {
		status, hdr = er.Response.StatusCode, er.Response.Header
	}
	msg := er.Message
	switch status {
	case http.StatusUnauthorized:
		return fmt.Errorf("%s: GitHub rejected the credentials (401 %s): check GITHUB_TOKEN / the token file, or the App's id, key and installation", what, msg)
	case http.StatusForbidden:
		need := ""
		if hdr != nil {
			if scopes := hdr.Get("X-Accepted-OAuth-Scopes"); scopes != "" {
				need = fmt.Sprintf("; the token has scopes %q, this needs %q", hdr.Get("X-OAuth-Scopes"), scopes)
			}
			if perms := hdr.Get("X-Accepted-GitHub-Permissions"); perms != "" {
				need += fmt.Sprintf("; this needs the permission %s", perms)
			}
		}
		return fmt.Errorf("%s: GitHub refused (403 %s)%s: give the token or App that access", what, msg, need)
	case http.StatusNotFound:
		return fmt.Errorf("%s: %w (404): check the name, and that the token or App can see it (private repositories need the repo scope or an App installation)", what, ErrNotFound)
	case http.StatusConflict:
		if strings.Contains(msg, "Git Repository is empty") {
			return fmt.Errorf("%s: %w", what, ErrEmptyRepository)
		}
		return fmt.Errorf("%s: conflict (409 %s)", what, msg)
	case http.StatusUnprocessableEntity:
		var details []string
		for _, e := range er.Errors {
			switch {
			case e.Message != "":
				details = append(details, e.Message)
			case e.Field != "":
				details = append(details, fmt.Sprintf("%s %s is %s", e.Resource, e.Field, e.Code))
			}
		}
		if len(details) > 0 {
			msg += ": " + strings.Join(details, "; ")
		}
		return &ValidationError{What: what, Message: msg, Details: details}
	}
	return fmt.Errorf("%s: GitHub answered %d %s", what, status, msg)
}

// ValidationError is GitHub's 422: the request was understood and refused
// (a ref that exists, a PR that exists, a non-fast-forward update).
type ValidationError struct {
	What    string
	Message string
	Details []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s: GitHub refused it (422 %s)", e.What, e.Message)
}

// Has reports whether any detail or the message contains s.
func (e *ValidationError) Has(s string) bool {
	if strings.Contains(e.Message, s) {
		return true
	}
	for _, d := range e.Details {
		if strings.Contains(d, s) {
			return true
		}
	}
	return false
}
