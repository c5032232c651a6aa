package syntax

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range oracleSnippets {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/corpus/*/*.nix")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, x, err := ParseFile("fuzz.nix", src)
		if x == nil {
			t.Fatal("nil tree")
		}
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 || len(list) > maxErrors {
				t.Fatalf("error is not a non-empty ErrorList of at most %d: %v", maxErrors, err)
			}
			for _, e := range list {
				if e.Pos.Line < 1 || e.Pos.Column < 1 || e.Msg == "" || strings.Contains(e.Msg, "\n") {
					t.Fatalf("bad error %q at %v", e.Msg, e.Pos)
				}
			}
		}
		Inspect(x, func(n Node) bool {
			if n.Pos() < 0 || n.End() < n.Pos() || int(n.End()) > len(src) {
				if _, bad := n.(*BadExpr); !bad && !synthetic(n) {
					t.Fatalf("%T spans %d..%d in a source of %d bytes", n, n.Pos(), n.End(), len(src))
				}
			}
			return true
		})
		_ = Sprint(x, PrintConfig{BaseDir: "/base", Home: "/home"})
		_ = file.Position(Pos(len(src)))
	})
}

// synthetic reports nodes whose extent is not a source span.
func synthetic(n Node) bool {
	_, ok := n.(*Lit)
	return ok && n.End() < n.Pos()
}

func TestDeepNestingIsAnErrorNotACrash(t *testing.T) {
	for _, open := range []string{"(", "[", "{ a = ", "x: ", "-", "!", "a ++ ", "if a then b else "} {
		src := strings.Repeat(open, maxDepth*3) + "1"
		_, _, err := ParseFile("deep.nix", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Errorf("%q nested %d times: got %v, want a nesting error", open, maxDepth*3, err)
		}
	}
	// Nesting within the limit parses.
	src := strings.Repeat("(", 1000) + "1" + strings.Repeat(")", 1000)
	if _, err := ParseExpr(src); err != nil {
		t.Errorf("1000 nested parens: %v", err)
	}
}

func TestErrorsAreCollectedOncePerLine(t *testing.T) {
	src := "{\n  a = ;\n  b = 1;\n  c = ; d = ;\n  e = 2;\n}\n"
	_, x, err := ParseFile("f.nix", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("want ErrorList, got %v", err)
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Pos.String())
	}
	if want := "f.nix:2:7 f.nix:4:7"; strings.Join(got, " ") != want {
		t.Errorf("errors at %v, want %s", got, want)
	}
	// The partial tree keeps the good bindings.
	set, ok := x.(*AttrSet)
	if !ok {
		t.Fatalf("partial tree is %T, want *AttrSet", x)
	}
	var names []string
	for _, b := range set.Bindings {
		if d, ok := b.(*AttrDef); ok {
			n, _ := d.Path[0].Static()
			names = append(names, n)
		}
	}
	if strings.Join(names, ",") != "b,e" {
		t.Errorf("partial tree has bindings %v, want b,e", names)
	}
}

func TestPositionsAndSpans(t *testing.T) {
	src := "{\r\n  inputs.devbox.url = \"github:system1/devbox?dir=base-flake\";\n}"
	file, x, err := ParseFile("flake.nix", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	def := x.(*AttrSet).Bindings[0].(*AttrDef)
	if got := file.Position(def.Pos()).String(); got != "flake.nix:2:3" {
		t.Errorf("binding at %s, want flake.nix:2:3", got)
	}
	str := def.Value.(*String)
	if got := string(file.Src[str.Pos():str.End()]); got != `"github:system1/devbox?dir=base-flake"` {
		t.Errorf("string span is %q", got)
	}
	if v, ok := str.StaticValue(); !ok || v != "github:system1/devbox?dir=base-flake" {
		t.Errorf("static value %q, %v", v, ok)
	}
}

func TestPrintQuoting(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		// current Nix escapes only ${, and quotes every reserved keyword
		{`"a$b\${c}"`, `"a$b\${c}"`},
		{`{ "then" = 1; "or" = 2; "a.b" = 3; }`, `{ "a.b" = 3; or = 2; "then" = 1; }`},
		{`x: { inherit (x) b a; inherit c; d = 1; inherit (x) e; }`, `(x: { inherit c; inherit (x) a b; inherit (x) e; d = 1; })`},
		{`let b = 1; a = 2; in a`, `(let a = 2; b = 1; in a)`},
		{`{ c, a ? 1, b }: a`, `({ a ? 1, b, c }: a)`},
		{"''\n  ${x}''", `(x)`},
		{"''''", `""`},
	} {
		x, err := ParseExpr(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		if got := Sprint(x, PrintConfig{}); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}
