package githubapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// etagCache makes GET requests conditional: it keeps each small answer
// that has an ETag on disk and sends If-None-Match next time; GitHub
// answers 304 Not Modified, which does not count against the rate limit,
// and the cache serves the body. A scheduled bot that finds most
// repositories unchanged then spends almost no quota on them.
//
// Entries are keyed by URL, Accept header and a hash of the credentials, so
// one identity never sees what another fetched.
type etagCache struct {
	dir      string
	identity string
	next     http.RoundTripper
}

// maxCachedBody bounds what is kept: API answers, not tarballs.
const maxCachedBody = 1 << 20

type cacheEntry struct {
	ETag        string `json:"etag"`
	ContentType string `json:"content_type"`
	Link        string `json:"link,omitempty"`
	Body        []byte `json:"body"`
}

func (c *etagCache) path(req *http.Request) string {
	sum := sha256.Sum256([]byte(c.identity + "\x00" + req.URL.String() + "\x00" + req.Header.Get("Accept")))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:])+".json")
}

func (c *etagCache) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.Header.Get("If-None-Match") != "" {
		return c.next.RoundTrip(req)
	}
	path := c.path(req)
	var entry cacheEntry
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &entry) == nil && entry.ETag != "" {
		req = req.Clone(req.Context())
		req.Header.Set("If-None-Match", entry.ETag)
	} else {
		entry = cacheEntry{}
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && entry.ETag != "":
		resp.Body.Close()
		resp.StatusCode, resp.Status = http.StatusOK, "200 OK"
		resp.Header.Set("Content-Type", entry.ContentType)
		if entry.Link != "" {
			resp.Header.Set("Link", entry.Link)
		}
		resp.Header.Set("Content-Length", strconv.Itoa(len(entry.Body)))
		resp.ContentLength = int64(len(entry.Body))
		resp.Body = io.NopCloser(bytes.NewReader(entry.Body))
		return resp, nil
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "" && isAPIAnswer(resp) &&
		resp.ContentLength <= maxCachedBody:
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxCachedBody+1))
		if err != nil {
			resp.Body.Close()
			return nil, err
		}
		if len(body) > maxCachedBody {
			// Too large to keep: hand it on whole.
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
			return resp, nil
		}
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		c.store(path, cacheEntry{ETag: resp.Header.Get("ETag"), ContentType: resp.Header.Get("Content-Type"), Link: resp.Header.Get("Link"), Body: body})
	}
	return resp, nil
}

func isAPIAnswer(resp *http.Response) bool {
	ct := resp.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "application/vnd.github")
}

// store writes an entry atomically; a cache that cannot be written only
// costs quota, so errors are dropped.
func (c *etagCache) store(path string, e cacheEntry) {
	b, err := json.Marshal(e)
	if err != nil || os.MkdirAll(c.dir, 0o700) != nil {
		return
	}
	tmp, err := os.CreateTemp(c.dir, ".entry-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
	}
}
