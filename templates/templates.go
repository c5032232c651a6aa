// Package templates holds the text/templates that render/ fills: the devbox
// base flake, the project flake and the project's .envrc. They only loop and
// print; render/ decides what goes in and spells every value in Nix.
package templates

import "embed"

// FS holds every *.tmpl file.
//
//go:embed *.tmpl
var FS embed.FS
