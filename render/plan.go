// Package render turns plans into Nix source: the devbox base flake, its
// project template, and the files `flakectl init` writes.
//
// Data flows one way: platform.yaml -> BasePlan (LoadPlatform) -> text (Base);
// init flags -> ProjectPlan -> text (Project). The templates in templates/
// only loop and print; every decision and every value's Nix spelling is made
// here, and every value reaches Nix text through Quote.
package render

import (
	"fmt"
	"strings"
)

// DefaultDevboxURL is where product repos find the base flake.
const DefaultDevboxURL = "github:system1/devbox?dir=base-flake"

// DefaultShells are the dev shells of a new project: `nix develop` enters
// default; `nix develop .#staging` and `.#dev` the others.
var DefaultShells = []string{"default", "staging", "dev"}

// BasePlan is everything the base flake (base-flake/flake.nix) and its
// project template (base-flake/template/flake.nix) are rendered from.
type BasePlan struct {
	// Description is the flake's description.
	Description string
	// Inputs in the order they are written. nixpkgs and flake-utils are
	// required: the flake's outputs are built on them.
	Inputs []Input
	// PackageGroups make up lib.basePackages and the dev shell, in order.
	PackageGroups []PackageGroup
	// Formatter is the package `nix fmt` runs.
	Formatter PackageRef
	// Claudebox is packages.<system>.claudebox, also in the dev shell.
	Claudebox Claudebox
	// Template is templates.default, and what template/flake.nix holds.
	Template Template
}

// Input is one flake input.
type Input struct {
	Name string
	URL  string
	// Follows makes the input's own inputs follow ours, e.g. claude-code's
	// nixpkgs follows nixpkgs, so a lock holds one nixpkgs.
	Follows []Follow
}

// Follow is `NAME.inputs.Input.follows = Target`.
type Follow struct {
	Input  string
	Target string
}

// PackageGroup is a named list of packages, e.g. "Shell essentials".
type PackageGroup struct {
	Name     string
	Packages []PackageRef
}

// PackageRef names a package: an attribute path in nixpkgs (Input == ""), or
// in packages.<system> of another input (written INPUT#ATTR, like an
// installable).
type PackageRef struct {
	Input string
	Attr  []string
}

// ParsePackageRef parses "jq", "python3Packages.requests" or "claude-code#default".
func ParsePackageRef(s string) (PackageRef, error) {
	input, attr, hasInput := strings.Cut(s, "#")
	if !hasInput {
		attr, input = input, ""
	} else if !isIdentifierShape(input) {
		return PackageRef{}, fmt.Errorf("%s: %s is not an input name", Quote(s), Quote(input))
	}
	names, err := ParseAttrPath(attr)
	if err != nil {
		return PackageRef{}, err
	}
	return PackageRef{Input: input, Attr: names}, nil
}

// String is the package as written in platform.yaml or on the command line.
func (p PackageRef) String() string {
	a := strings.Join(p.Attr, ".")
	if p.Input != "" {
		return p.Input + "#" + a
	}
	return a
}

// Nix is the package as a Nix expression, where pkgs and system are in scope.
func (p PackageRef) Nix() string {
	if p.Input == "" {
		return "pkgs." + AttrPath(p.Attr...)
	}
	// The input is a variable here (a formal of outputs): Validate allows only
	// identifiers as input names, which AttrName leaves bare.
	return AttrName(p.Input) + ".packages.${system}." + AttrPath(p.Attr...)
}

// Claudebox is the sandbox launcher: a writeShellApplication whose text is a
// script kept next to the flake.
type Claudebox struct {
	// Script is the script's path relative to the flake, e.g. claudebox/claudebox.sh.
	Script        string
	RuntimeInputs []PackageRef
}

// ScriptPath is Script as a Nix path literal relative to the flake.
func (c Claudebox) ScriptPath() string { return "./" + c.Script }

// Template is the base flake's templates.default and the project flake in it.
type Template struct {
	Description string
	WelcomeText string
	Project     ProjectPlan
}

// ProjectPlan is a product repo's flake.nix (and .envrc).
type ProjectPlan struct {
	// DevboxURL is the base flake's flake reference.
	DevboxURL string
	// Packages are nixpkgs attribute paths added to every shell.
	Packages [][]string
	// Shells are the dev shell names; default first.
	Shells []string
}

// DefaultProject is the project `flakectl init` writes with no options, and
// the one in the base flake's template.
func DefaultProject() ProjectPlan {
	return ProjectPlan{DevboxURL: DefaultDevboxURL, Shells: append([]string(nil), DefaultShells...)}
}

// PackageExprs are the project packages as Nix expressions (pkgs in scope).
func (p ProjectPlan) PackageExprs() []string {
	out := make([]string, len(p.Packages))
	for i, a := range p.Packages {
		out[i] = PackageRef{Attr: a}.Nix()
	}
	return out
}

// Validate reports the first problem that would make the project flake wrong.
func (p ProjectPlan) Validate() error {
	if err := checkFlakeRef("devbox URL", p.DevboxURL); err != nil {
		return err
	}
	if len(p.Shells) == 0 || p.Shells[0] != "default" {
		return fmt.Errorf("the first shell must be default")
	}
	seen := map[string]bool{}
	for _, s := range p.Shells {
		if !isIdentifierShape(s) {
			return fmt.Errorf("shell name %s is not a name (use letters, digits, _, ' and -, not starting with a digit)", Quote(s))
		}
		if seen[s] {
			return fmt.Errorf("shell %s is given twice", Quote(s))
		}
		seen[s] = true
	}
	for _, a := range p.Packages {
		if _, err := ParseAttrPath(strings.Join(a, ".")); err != nil || len(a) == 0 {
			return fmt.Errorf("package %s is not a Nix attribute path", Quote(strings.Join(a, ".")))
		}
	}
	return nil
}

// Comment is the group's name as a Nix comment's text.
func (g PackageGroup) Comment() string { return Comment(g.Name) }

// Comment returns s as the text of a one-line Nix comment: line breaks and
// other control characters become spaces, so it cannot end the comment.
func Comment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
