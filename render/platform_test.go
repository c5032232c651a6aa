package render

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func readPlatform(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../base-flake/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestLoadPlatform(t *testing.T) {
	p, err := LoadPlatform("platform.yaml", []byte(readPlatform(t)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range p.Inputs {
		names = append(names, in.Name+"="+in.URL)
	}
	if got, want := strings.Join(names, " "), "nixpkgs=github:NixOS/nixpkgs/nixos-unstable flake-utils=github:numtide/flake-utils claude-code=github:sadjow/claude-code-nix"; got != want {
		t.Errorf("inputs %s, want %s", got, want)
	}
	if len(p.Inputs[2].Follows) != 1 || p.Inputs[2].Follows[0] != (Follow{Input: "nixpkgs", Target: "nixpkgs"}) {
		t.Errorf("claude-code follows %v, want nixpkgs -> nixpkgs", p.Inputs[2].Follows)
	}
	var groups []string
	for _, g := range p.PackageGroups {
		groups = append(groups, g.Name)
	}
	if got, want := strings.Join(groups, ", "), "Shell essentials, Git/GitHub, AI, AWS, Utilities, Editors"; got != want {
		t.Errorf("groups %s, want the source document's: %s", got, want)
	}
	if got := p.PackageGroups[2].Packages[0]; got.Input != "claude-code" || got.Nix() != "claude-code.packages.${system}.default" {
		t.Errorf("AI package %+v renders as %s", got, got.Nix())
	}
	if p.Claudebox.Script != "claudebox/claudebox.sh" || len(p.Claudebox.RuntimeInputs) != 16 {
		t.Errorf("claudebox %+v", p.Claudebox)
	}
}

// TestLoadPlatformErrors edits the real platform.yaml, one mistake at a time,
// and wants a one-line error at the mistake's line.
func TestLoadPlatformErrors(t *testing.T) {
	good := readPlatform(t)
	lineOf := func(src, substr string) int {
		i := strings.Index(src, substr)
		if i < 0 {
			t.Fatalf("%q not in the test config", substr)
		}
		return strings.Count(src[:i], "\n") + 1
	}
	for _, c := range []struct {
		name     string
		old, new string // replace old by new in platform.yaml
		at       string // the error's line holds this text ("" for line 1)
		msg      string // regexp
	}{
		{"unknown top-level key", "formatter:", "formater:", "formater:", `unknown key "formater" \(want description, inputs,`},
		{"unknown nested key", "    url: github:numtide/flake-utils", "    uri: github:numtide/flake-utils", "uri:", `inputs.flake-utils: unknown key "uri" \(want url, follows\)`},
		{"missing key", "formatter: nixfmt-rfc-style\n", "", "description:", `top level: missing key "formatter"`},
		{"missing url", "    url: github:sadjow/claude-code-nix\n", "", "claude-code:", `inputs.claude-code: missing key "url"`},
		{"duplicate key", "formatter: nixfmt-rfc-style", "formatter: nixfmt-rfc-style\nformatter: nixfmt", "formatter: nixfmt\n", `key "formatter" appears twice`},
		{"list instead of string", "formatter: nixfmt-rfc-style", "formatter: [a]", "formatter: [a]", `formatter: want a string, got a list`},
		{"number instead of string", `description: "devbox base flake`, `description: 12 #`, "description: 12", `description: want a string, got a number \(12; quote it for a string\)`},
		{"bool in a list", "packages: [git, gh]", "packages: [git, true]", "packages: [git, true]", `packageGroups\[1\]\.packages\[1\]: want a string, got a boolean`},
		{"string instead of list", "packages: [vim, nano]", "packages: vim", "packages: vim", `packageGroups\[5\]\.packages: want a list, got a scalar`},
		{"mapping instead of list", "packageGroups:\n", "packageGroups:\n  x: 1\nold:\n", "packageGroups:", `packageGroups: want a list, got a mapping`},
		{"bad package", "[curl, jq,", "[curl, jq.,", "[curl, jq.,", `packageGroups\[4\]\.packages\[1\]: "jq\." is not a Nix attribute path`},
		{"undeclared input", `"claude-code#default"]`, `"claude#default"]`, `"claude#default"]`, `packageGroups\[2\]\.packages\[0\]: claude#default: claude is not an input of the base flake`},
		{"bad follows target", "nixpkgs: nixpkgs\n", "nixpkgs: nixpks\n", "nixpkgs: nixpks", `inputs.claude-code.follows.nixpkgs: follows "nixpks", which is not an input`},
		{"bad flake reference", "url: github:numtide/flake-utils", "url: github:numtide", "url: github:numtide", `inputs.flake-utils.url: invalid flake reference "github:numtide"`},
		{"required input", "  flake-utils:\n    url: github:numtide/flake-utils\n", "", "inputs:", `inputs: input flake-utils is required`},
		{"keyword input", "  claude-code:\n", "  if:\n", "  if:", `inputs.if: "if" cannot be an input name`},
		{"input named like a local", "  claude-code:\n", "  pkgs:\n", "  pkgs:", `inputs.pkgs: "pkgs" cannot be an input name: the base flake uses that name itself`},
		{"input named self", "  claude-code:\n", "  self:\n", "  self:", `inputs.self: "self" cannot be an input name`},
		{"script outside the flake", "script: claudebox/claudebox.sh", "script: ../claudebox.sh", "script:", `claudebox.script: "../claudebox.sh" is not a clean relative path`},
		{"empty group", "packages: [vim, nano]", "packages: []", "packages: []", `group "Editors" has no packages`},
		{"not YAML", "inputs:\n", "inputs:\n\t- x\n", "\t- x", `^p.yaml:\d+: found character that cannot start any token`},
		{"NUL", `description: "devbox`, `description: "a\0b" #`, `description: "a`, `^p.yaml:\d+: description: contains a NUL byte`},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(good, c.old, c.new, 1)
			if src == good {
				t.Fatalf("%q not in platform.yaml", c.old)
			}
			_, err := LoadPlatform("p.yaml", []byte(src))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			line := 1
			if c.at != "" {
				line = lineOf(src, c.at)
			}
			prefix := fmt.Sprintf("p.yaml:%d: ", line)
			if !strings.HasPrefix(msg, prefix) {
				t.Errorf("error %q does not start with %q", msg, prefix)
			}
			if !regexp.MustCompile(c.msg).MatchString(msg) {
				t.Errorf("error %q does not match %q", msg, c.msg)
			}
		})
	}
}

// FuzzLoadPlatform: any input is either a one-line error naming the file, or
// a plan that renders into files our Nix parser accepts (Base checks them).
func FuzzLoadPlatform(f *testing.F) {
	data, err := os.ReadFile("../base-flake/platform.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(data))
	odd, err := os.ReadFile("testdata/odd-platform.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(odd))
	for _, s := range []string{"", "a: [", "inputs: *x", "{}", "- 1", "description: &a x\ninputs: *a", "? [a]\n: 1", "<<: {a: 1}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := LoadPlatform("p.yaml", []byte(src))
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "p.yaml:") {
				t.Fatalf("error %q: want one line starting with p.yaml:", msg)
			}
			return
		}
		if _, err := Base(p); err != nil {
			t.Fatalf("accepted config does not render: %v", err)
		}
	})
}
