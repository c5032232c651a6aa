package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/system1/devbox/internal/oracle"
	"github.com/system1/devbox/nix/syntax"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"${x}", `"\${x}"`},
		{"$${x}", `"$\${x}"`},
		{"$x $ {", `"$x $ {"`},
		{"a\nb\r\nc\td", `"a\nb\r\nc\td"`},
		{"''", `"''"`},
		{"é ✓", `"é ✓"`},
	} {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestAttrName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"nixpkgs", "nixpkgs"},
		{"flake-utils", "flake-utils"},
		{"_a'b-1", "_a'b-1"},
		{"nodejs_20", "nodejs_20"},
		{"1password", `"1password"`},
		{"if", `"if"`},
		{"or", `"or"`},
		{"rec", `"rec"`},
		{"a.b", `"a.b"`},
		{"", `""`},
		{"${x}", `"\${x}"`},
		{"-a", `"-a"`},
	} {
		if got := AttrName(c.in); got != c.want {
			t.Errorf("AttrName(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseAttrPath(t *testing.T) {
	for _, ok := range []string{"jq", "python3Packages.requests", "nodePackages.\"pnpm\""[:12], "a.if", "nix-index", "x'"} {
		if _, err := ParseAttrPath(ok); err != nil {
			t.Errorf("ParseAttrPath(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "a.", ".a", "a..b", "1password", "a b", "a/b", "${x}", "a.\"b\"", "-x", "jq\n"} {
		_, err := ParseAttrPath(bad)
		if err == nil {
			t.Errorf("ParseAttrPath(%q) accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseAttrPath(%q): error has a line break: %q", bad, err)
		}
	}
}

// quoteCheck is the Nix text used to check a string: the value as a string
// and as an attribute name, both read back by a parser.
func quoteCheck(s string) string {
	return "{ " + AttrName(s) + " = " + Quote(s) + "; }"
}

// checkWithOurParser parses quoteCheck(s) and compares both values with s.
func checkWithOurParser(t *testing.T, s string) {
	t.Helper()
	src := quoteCheck(s)
	_, x, err := syntax.ParseFile("quote.nix", []byte(src))
	if err != nil {
		t.Fatalf("our parser rejects %s (for %q): %v", src, s, err)
	}
	set, ok := x.(*syntax.AttrSet)
	if !ok || len(set.Bindings) != 1 {
		t.Fatalf("%s parsed as %T, want a set with one binding", src, x)
	}
	def, ok := set.Bindings[0].(*syntax.AttrDef)
	if !ok || len(def.Path) != 1 {
		t.Fatalf("%s: want one attribute of a one-element path", src)
	}
	if name, ok := def.Path[0].Static(); !ok || name != s {
		t.Errorf("attribute name of %s reads back as %q, want %q", src, name, s)
	}
	str, ok := def.Value.(*syntax.String)
	if !ok {
		t.Fatalf("value of %s is %T, want a string", src, def.Value)
	}
	if v, ok := str.StaticValue(); !ok || v != s {
		t.Errorf("string %s reads back as %q, want %q", Quote(s), v, s)
	}
}

// quoteSeeds are the strings every quoting test starts from.
var quoteSeeds = []string{
	"", "a", "if", "or", "${", "$${", "$$${a}", "\\${", "\\", "\\\\", `"`, `\"`, "$", "${}",
	"a${b}c", "''", "''${", "'''", "\n", "\r", "\r\n", "\n\r", "\t", "\x01\x7f", "é", "✓ ${x}",
	"\xff\xfe", "a.b", "1a", "-", "__curPos", "true", "null", "x\\\ny", "$\\{", "# c", "/* c */",
	"github:system1/devbox?dir=base-flake",
}

func FuzzQuote(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckString(s) != nil {
			t.Skip("no Nix string holds a NUL byte")
		}
		checkWithOurParser(t, s)
	})
}

// quoteSamples are the seeds, the fuzz corpus and random strings made of the
// characters that matter to Nix's lexer.
func quoteSamples(t *testing.T) []string {
	samples := append([]string(nil), quoteSeeds...)
	corpus, _ := filepath.Glob("testdata/fuzz/FuzzQuote/*")
	for _, p := range corpus {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// go test fuzz v1 format: a header line, then string("...") in Go syntax.
		line := strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[1])
		var s string
		if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimPrefix(line, "string("), ")"), "%q", &s); err == nil {
			samples = append(samples, s)
		}
	}
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"$", "{", "}", "\\", "\"", "'", "\n", "\r", "\t", "a", "-", ".", " ", "#", "é", "\x01", "\xff", "/", "*"}
	for i := 0; i < 500; i++ {
		var b strings.Builder
		for n := rng.Intn(12); n > 0; n-- {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		samples = append(samples, b.String())
	}
	return samples
}

// TestQuoteAgainstNix renders every sample into one file, as strings and as
// attribute names, has nix-instantiate --parse accept it and nix eval read
// each value back. Values are compared through their SHA-256, which Nix
// computes over the string's exact bytes (JSON output would not keep
// invalid UTF-8).
func TestQuoteAgainstNix(t *testing.T) {
	instantiate := oracle.Require(t, "nix-instantiate")
	nix := oracle.Require(t, "nix")
	samples := quoteSamples(t)
	var src strings.Builder
	src.WriteString("[\n")
	for _, s := range samples {
		checkWithOurParser(t, s)
		fmt.Fprintf(&src, "  [ (builtins.hashString \"sha256\" %s) (builtins.hashString \"sha256\" (builtins.head (builtins.attrNames %s))) ]\n", Quote(s), quoteCheck(s))
	}
	src.WriteString("]\n")
	file := filepath.Join(t.TempDir(), "quote.nix")
	if err := os.WriteFile(file, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(instantiate, "--parse", file).CombinedOutput(); err != nil {
		t.Fatalf("nix-instantiate --parse rejects the quoted samples: %v\n%s", err, out)
	}
	cmd := exec.Command(nix, "eval", "--json", "--file", file)
	cmd.Env = oracle.NixEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix eval: %v\n%s", err, stderr.String())
	}
	var got [][2]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("nix eval output: %v", err)
	}
	if len(got) != len(samples) {
		t.Fatalf("nix eval returned %d values for %d samples", len(got), len(samples))
	}
	for i, s := range samples {
		sum := sha256.Sum256([]byte(s))
		want := hex.EncodeToString(sum[:])
		if got[i][0] != want {
			t.Errorf("nix reads the string %s back as different bytes than %q", Quote(s), s)
		}
		if got[i][1] != want {
			t.Errorf("nix reads the attribute name %s back as different bytes than %q", AttrName(s), s)
		}
	}
}
