package bump

import (
	"strings"
	"testing"

	"github.com/system1/devbox/lint"
	"github.com/system1/devbox/nix/flakeref"
)

// rewrite rewrites the devbox url of a flake.nix whose input is written as
// url, to newRef.
func rewrite(t testing.TB, url, newRef string) (string, error) {
	src := "{\n  inputs.devbox.url = \"" + url + "\"; # pinned\n  outputs = _: { };\n}\n"
	decl, err := lint.ReadDeclared("flake.nix", []byte(src))
	if err != nil {
		return "", err
	}
	d := decl.Inputs["devbox"]
	if d == nil || !d.HasRef {
		return "", errNoRef
	}
	out, err := rewriteRef([]byte(src), d.URL, d.Ref, newRef)
	if err != nil {
		return "", err
	}
	// Nothing but the url changed.
	before, _, _ := strings.Cut(src, url)
	_, after, _ := strings.Cut(src, url)
	if !strings.HasPrefix(string(out), before) || !strings.HasSuffix(string(out), after) {
		t.Fatalf("more than the url changed:\n%s", out)
	}
	return strings.TrimSuffix(strings.TrimPrefix(string(out), before), after), nil
}

type noRef struct{}

func (noRef) Error() string { return "no reference" }

var errNoRef = noRef{}

func TestRewriteRef(t *testing.T) {
	for _, c := range []struct{ url, to, want, err string }{
		{"github:system1/devbox/v1.2.0?dir=base-flake", "v1.3.0", "github:system1/devbox/v1.3.0?dir=base-flake", ""},
		{"github:system1/devbox/v1.2.0", "v1.3.0", "github:system1/devbox/v1.3.0", ""},
		{"github:system1/devbox?dir=base-flake&ref=v1.2.0", "v2.0.0", "github:system1/devbox?dir=base-flake&ref=v2.0.0", ""},
		{"github:system1/devbox?ref=v1.2.0&dir=base-flake", "v1.2.1", "github:system1/devbox?ref=v1.2.1&dir=base-flake", ""},
		{"github:System1/DevBox/v1.2.0?dir=base-flake&host=ghe.example.com", "v1.3.0", "github:System1/DevBox/v1.3.0?dir=base-flake&host=ghe.example.com", ""},
		{"github:system1/devbox/v1.2.0", "v1.3.0?rev=x", "", "cannot be written into a url"},
		{"github:system1/devbox/v1.2.0", "has space", "", "cannot be written into a url"},
	} {
		got, err := rewrite(t, c.url, c.to)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s -> %s: %q, %v; want error %q", c.url, c.to, got, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%s -> %s: %q, %v; want %q", c.url, c.to, got, err, c.want)
		}
	}
	// Escapes and interpolation are left to a human.
	for _, src := range []string{
		`{ inputs.devbox.url = "github:system1/devbox/v1.2.0\u0041"; outputs = _: { }; }`,
		"{ inputs.devbox.url = ''github:system1/devbox/v1.2.0''; outputs = _: { }; }",
	} {
		decl, err := lint.ReadDeclared("flake.nix", []byte(src))
		if err != nil {
			continue
		}
		d := decl.Inputs["devbox"]
		if _, err := rewriteRef([]byte(src), d.URL, d.Ref, "v1.3.0"); err == nil {
			t.Errorf("rewrote %s", src)
		}
	}
}

// FuzzRewriteRef: any url, any new ref: no panic, and a rewrite says the
// same as before but for the ref.
func FuzzRewriteRef(f *testing.F) {
	f.Add("github:system1/devbox/v1.2.0?dir=base-flake", "v1.3.0")
	f.Add("github:a/b?ref=x&dir=y", "main")
	f.Add("github:a/b/c/d", "e")
	f.Add("gitlab:a/b/v1", "v2")
	f.Fuzz(func(t *testing.T, url, to string) {
		if strings.ContainsAny(url, "\"\\$\n") {
			return
		}
		out, err := rewrite(t, url, to)
		if err != nil {
			return
		}
		old, err1 := flakeref.Parse(url)
		got, err2 := flakeref.Parse(out)
		if err1 != nil || err2 != nil || !got.Equal(old.With("ref", to)) {
			t.Fatalf("%q -> %q gave %q", url, to, out)
		}
	})
}
