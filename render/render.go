package render

import (
	"bytes"
	"fmt"
	"sync"
	"text/template"

	"github.com/system1/devbox/nix/syntax"
	"github.com/system1/devbox/templates"
)

// The only functions templates call: values become Nix through Quote.
var funcs = template.FuncMap{
	"nix":  Quote,
	"attr": AttrName,
}

// tmpl is parsed on first use, so commands that render nothing do not pay
// for it at start-up.
var tmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(funcs).Option("missingkey=error").ParseFS(templates.FS, "*.tmpl"))
})

// File is one rendered file, with its path relative to the output directory.
type File struct {
	Path string
	Data []byte
}

// Base renders the base flake and its template: flake.nix and
// template/flake.nix, relative to the base flake's directory.
func Base(p *BasePlan) ([]File, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	flake, err := execute("base-flake.nix.tmpl", "flake.nix", p)
	if err != nil {
		return nil, err
	}
	project, err := Project(p.Template.Project)
	if err != nil {
		return nil, err
	}
	return []File{{Path: "flake.nix", Data: flake}, {Path: "template/flake.nix", Data: project}}, nil
}

// Project renders a product repo's flake.nix.
func Project(p ProjectPlan) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return execute("project-flake.nix.tmpl", "flake.nix", p)
}

// Envrc renders the .envrc that makes direnv enter the flake's shell.
func Envrc() ([]byte, error) {
	var b bytes.Buffer
	if err := tmpl().ExecuteTemplate(&b, "envrc.tmpl", nil); err != nil {
		return nil, fmt.Errorf("rendering .envrc: %v", err)
	}
	return b.Bytes(), nil
}

// execute fills a template and checks the result is Nix our parser accepts, so
// a template bug is an error here and never a broken file on disk.
func execute(name, file string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := tmpl().ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("rendering %s: %v", file, err)
	}
	if _, _, err := syntax.ParseFile(file, b.Bytes()); err != nil {
		return nil, fmt.Errorf("rendered %s is not valid Nix (a bug in templates/%s): %v", file, name, err)
	}
	return b.Bytes(), nil
}
