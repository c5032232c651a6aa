package render

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadPlatform reads platform.yaml strictly: an unknown key, a value of the
// wrong type, a duplicate key or a bad value is an error naming the file and
// line. name is used in messages only.
//
// The file's shape (every key required):
//
//	description: STRING
//	inputs:                       # in order; nixpkgs and flake-utils required
//	  NAME:
//	    url: FLAKEREF
//	    follows: {INPUT: TARGET}  # optional
//	packageGroups:
//	  - name: STRING
//	    packages: [PACKAGE]       # ATTR.PATH (nixpkgs) or INPUT#ATTR.PATH
//	formatter: PACKAGE
//	claudebox:
//	  script: RELATIVE/PATH
//	  runtimeInputs: [PACKAGE]
//	template:
//	  description: STRING
//	  welcomeText: STRING
func LoadPlatform(name string, data []byte) (*BasePlan, error) {
	l := &loader{file: name, lines: map[string]int{}}
	p, err := l.load(data)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("%s:%d: %v", name, l.line(fe.Field), fe)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return p, nil
}

// loader walks the YAML nodes, recording each field's line for Validate's
// errors.
type loader struct {
	file  string
	lines map[string]int // field path -> line
	err   error
}

// line finds the line of field, or of its nearest recorded parent.
func (l *loader) line(field string) int {
	for f := field; f != ""; {
		if n, ok := l.lines[f]; ok {
			return n
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return 1
}

// failf records the first error, at the line of field's key when known (a
// block mapping or list starts on the line after its key), else at n's line.
func (l *loader) failf(n *yaml.Node, field, format string, a ...any) {
	if l.err != nil {
		return
	}
	line, ok := l.lines[field]
	if !ok {
		line = n.Line
	}
	where := field
	if where == "" {
		where = "top level"
	}
	l.err = fmt.Errorf("%s:%d: %s: %s", l.file, line, where, fmt.Sprintf(format, a...))
}

// failKeyf reports a problem with key k itself, at its line.
func (l *loader) failKeyf(k *yaml.Node, field, format string, a ...any) {
	if l.err != nil {
		return
	}
	where := field
	if where == "" {
		where = "top level"
	}
	l.err = fmt.Errorf("%s:%d: %s: %s", l.file, k.Line, where, fmt.Sprintf(format, a...))
}

// yamlLine matches the position in the YAML library's syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

func (l *loader) load(data []byte) (*BasePlan, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml's messages read "yaml: line N: ..."; say FILE:N: as ours do.
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", l.file, m[1], msg[len(m[0]):])
		}
		return nil, fmt.Errorf("%s: %s", l.file, strings.TrimPrefix(msg, "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s:1: empty file", l.file)
	}
	p := &BasePlan{Template: Template{Project: DefaultProject()}}
	root := doc.Content[0]
	l.mapping(root, "", []string{"description", "inputs", "packageGroups", "formatter", "claudebox", "template"}, func(key string, v *yaml.Node) {
		switch key {
		case "description":
			p.Description = l.str(v, key)
		case "inputs":
			p.Inputs = l.inputs(v)
		case "packageGroups":
			l.list(v, key, func(i int, g *yaml.Node) {
				f := fmt.Sprintf("packageGroups[%d]", i)
				var pg PackageGroup
				l.mapping(g, f, []string{"name", "packages"}, func(key string, v *yaml.Node) {
					switch key {
					case "name":
						pg.Name = l.str(v, f+".name")
					case "packages":
						pg.Packages = l.packages(v, f+".packages")
					}
				})
				p.PackageGroups = append(p.PackageGroups, pg)
			})
		case "formatter":
			p.Formatter = l.pkg(v, key)
		case "claudebox":
			l.mapping(v, key, []string{"script", "runtimeInputs"}, func(key string, v *yaml.Node) {
				switch key {
				case "script":
					p.Claudebox.Script = l.str(v, "claudebox.script")
				case "runtimeInputs":
					p.Claudebox.RuntimeInputs = l.packages(v, "claudebox.runtimeInputs")
				}
			})
		case "template":
			l.mapping(v, key, []string{"description", "welcomeText"}, func(key string, v *yaml.Node) {
				switch key {
				case "description":
					p.Template.Description = l.str(v, "template.description")
				case "welcomeText":
					p.Template.WelcomeText = l.str(v, "template.welcomeText")
				}
			})
		}
	})
	if l.err != nil {
		return nil, l.err
	}
	return p, nil
}

func (l *loader) inputs(n *yaml.Node) []Input {
	var ins []Input
	l.mapping(n, "inputs", nil, func(name string, v *yaml.Node) {
		f := "inputs." + name
		in := Input{Name: name}
		l.mapping(v, f, []string{"url", "follows"}, func(key string, v *yaml.Node) {
			switch key {
			case "url":
				in.URL = l.str(v, f+".url")
			case "follows":
				l.mapping(v, f+".follows", nil, func(input string, t *yaml.Node) {
					in.Follows = append(in.Follows, Follow{Input: input, Target: l.str(t, f+".follows."+input)})
				})
			}
		}, "url")
		ins = append(ins, in)
	})
	return ins
}

func (l *loader) packages(n *yaml.Node, field string) []PackageRef {
	var refs []PackageRef
	l.list(n, field, func(i int, v *yaml.Node) {
		refs = append(refs, l.pkg(v, fmt.Sprintf("%s[%d]", field, i)))
	})
	return refs
}

func (l *loader) pkg(n *yaml.Node, field string) PackageRef {
	s := l.str(n, field)
	if l.err != nil {
		return PackageRef{}
	}
	r, err := ParsePackageRef(s)
	if err != nil {
		l.failf(n, field, "%v", err)
	}
	return r
}

// mapping calls f for each key of a mapping node, in order. A nil keys list
// allows any key (names of inputs); otherwise keys are the allowed ones, and
// required (all of keys by default, or the given subset) must be present.
func (l *loader) mapping(n *yaml.Node, field string, keys []string, f func(key string, v *yaml.Node), required ...string) {
	if l.err != nil {
		return
	}
	if _, ok := l.lines[field]; !ok && field != "" {
		l.lines[field] = n.Line
	}
	if n.Kind != yaml.MappingNode {
		l.failf(n, field, "want a mapping, got %s", kindName(n))
		return
	}
	if required == nil {
		required = keys
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content) && l.err == nil; i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		child := k.Value
		if field != "" {
			child = field + "." + k.Value
		}
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			l.lines[child] = k.Line
			l.failf(k, field, "keys must be plain strings")
			return
		}
		if seen[k.Value] {
			l.failKeyf(k, field, "key %q appears twice", k.Value)
			return
		}
		seen[k.Value] = true
		if keys != nil && !contains(keys, k.Value) {
			l.failKeyf(k, field, "unknown key %q (want %s)", k.Value, strings.Join(keys, ", "))
			return
		}
		l.lines[child] = k.Line
		f(k.Value, v)
	}
	for _, k := range required {
		if l.err == nil && !seen[k] {
			l.failf(n, field, "missing key %q", k)
		}
	}
}

func (l *loader) list(n *yaml.Node, field string, f func(i int, v *yaml.Node)) {
	if l.err != nil {
		return
	}
	if _, ok := l.lines[field]; !ok {
		l.lines[field] = n.Line
	}
	if n.Kind != yaml.SequenceNode {
		l.failf(n, field, "want a list, got %s", kindName(n))
		return
	}
	for i, v := range n.Content {
		if l.err != nil {
			return
		}
		l.lines[fmt.Sprintf("%s[%d]", field, i)] = v.Line
		f(i, v)
	}
}

func (l *loader) str(n *yaml.Node, field string) string {
	if l.err != nil {
		return ""
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		l.failf(n, field, "want a string, got %s", kindName(n))
		return ""
	}
	if err := CheckString(n.Value); err != nil {
		l.failf(n, field, "%v", err)
	}
	return n.Value
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "a boolean (" + n.Value + "; quote it for a string)"
		case "!!int", "!!float":
			return "a number (" + n.Value + "; quote it for a string)"
		}
		return "a scalar " + n.Tag
	}
	return "something else"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
