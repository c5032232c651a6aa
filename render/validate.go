package render

import (
	"fmt"
	"path"
	"strings"

	"github.com/system1/devbox/nix/flakeref"
)

// FieldError is a problem with one field of a plan. Field is the field's path
// as written in platform.yaml (e.g. packageGroups[1].packages[0]), so
// LoadPlatform can point at its line.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErrorf(field, format string, a ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// baseFlakeNames are the names templates/base-flake.nix.tmpl binds in the
// scope of the inputs, which an input of the same name would clash with.
var baseFlakeNames = map[string]bool{
	"self": true, "pkgs": true, "system": true, "basePackages": true, "claudebox": true,
}

// Validate reports the first problem that would make the base flake wrong:
// a missing required input, a package from an undeclared input, a value no
// Nix string can hold.
func (p *BasePlan) Validate() error {
	if err := checkText("description", p.Description); err != nil {
		return err
	}
	if len(p.Inputs) == 0 {
		return fieldErrorf("inputs", "no inputs (nixpkgs and flake-utils are required)")
	}
	inputs := map[string]bool{}
	for _, in := range p.Inputs {
		f := "inputs." + in.Name
		if !IsIdentifier(in.Name) {
			return fieldErrorf(f, "%s cannot be an input name (use letters, digits, _, ' and -, not starting with a digit; not a keyword)", Quote(in.Name))
		}
		if baseFlakeNames[in.Name] {
			return fieldErrorf(f, "%s cannot be an input name: the base flake uses that name itself", Quote(in.Name))
		}
		if inputs[in.Name] {
			return fieldErrorf(f, "input %s is declared twice", in.Name)
		}
		inputs[in.Name] = true
		if err := checkFlakeRef(f+".url", in.URL); err != nil {
			return err
		}
	}
	for _, req := range []string{"nixpkgs", "flake-utils"} {
		if !inputs[req] {
			return fieldErrorf("inputs", "input %s is required: the base flake's outputs are built on it", req)
		}
	}
	for _, in := range p.Inputs {
		for _, fo := range in.Follows {
			f := "inputs." + in.Name + ".follows." + fo.Input
			if !IsIdentifier(fo.Input) {
				return fieldErrorf(f, "%s is not an input name", Quote(fo.Input))
			}
			if !inputs[fo.Target] {
				return fieldErrorf(f, "follows %s, which is not an input of the base flake", Quote(fo.Target))
			}
		}
	}
	checkRef := func(f string, r PackageRef) error {
		if r.Input != "" && !inputs[r.Input] {
			return fieldErrorf(f, "%s: %s is not an input of the base flake", r, r.Input)
		}
		if _, err := ParseAttrPath(strings.Join(r.Attr, ".")); err != nil || len(r.Attr) == 0 {
			return fieldErrorf(f, "%s is not a package (want ATTR or INPUT#ATTR)", Quote(r.String()))
		}
		return nil
	}
	if len(p.PackageGroups) == 0 {
		return fieldErrorf("packageGroups", "no package groups")
	}
	for i, g := range p.PackageGroups {
		f := fmt.Sprintf("packageGroups[%d]", i)
		if strings.TrimSpace(g.Name) == "" {
			return fieldErrorf(f+".name", "empty group name")
		}
		if len(g.Packages) == 0 {
			return fieldErrorf(f+".packages", "group %s has no packages", Quote(g.Name))
		}
		for j, r := range g.Packages {
			if err := checkRef(fmt.Sprintf("%s.packages[%d]", f, j), r); err != nil {
				return err
			}
		}
	}
	if err := checkRef("formatter", p.Formatter); err != nil {
		return err
	}
	s := p.Claudebox.Script
	if s == "" || path.IsAbs(s) || path.Clean(s) != s || s == "." || strings.HasPrefix(s, "../") || !isPathLiteral(s) {
		return fieldErrorf("claudebox.script", "%s is not a clean relative path inside the flake (e.g. claudebox/claudebox.sh)", Quote(s))
	}
	for i, r := range p.Claudebox.RuntimeInputs {
		if err := checkRef(fmt.Sprintf("claudebox.runtimeInputs[%d]", i), r); err != nil {
			return err
		}
	}
	if err := checkText("template.description", p.Template.Description); err != nil {
		return err
	}
	if err := checkText("template.welcomeText", p.Template.WelcomeText); err != nil {
		return err
	}
	if err := p.Template.Project.Validate(); err != nil {
		return fieldErrorf("template", "%v", err)
	}
	return nil
}

func checkText(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return fieldErrorf(field, "empty")
	}
	if err := CheckString(s); err != nil {
		return fieldErrorf(field, "%v", err)
	}
	return nil
}

func checkFlakeRef(field, s string) error {
	if err := CheckString(s); err != nil {
		return fieldErrorf(field, "%v", err)
	}
	if _, err := flakeref.Parse(s); err != nil {
		return fieldErrorf(field, "%v", err)
	}
	return nil
}

// isPathLiteral reports whether "./"+s is a Nix path literal as it stands:
// Nix paths are made of [a-zA-Z0-9._+-] and slashes, with no trailing slash.
func isPathLiteral(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._+-/", c) >= 0) {
			return false
		}
	}
	return !strings.HasSuffix(s, "/")
}
