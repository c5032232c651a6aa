package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/system1/devbox/nix/flakeref"
	"github.com/system1/devbox/render"
)

// ConfigFile is the name of the configuration file at a repository's root.
const ConfigFile = ".flakectl.yaml"

// Config is a repository's lint configuration, read from .flakectl.yaml:
//
//	devbox-url: github:system1/devbox?dir=base-flake
//	flakes: [".", services/api]      # directories that must hold a flake.nix
//	supported-branches: [nixos-unstable, nixos-24.11]
//	stale-days: {nixpkgs: 30, devbox: 30, my-lib: 90}
//	rules: {stale: off, devbox-shell: error}
//
// Unknown keys are errors, so a misspelt setting is never silently ignored.
type Config struct {
	// DevboxURL is the base flake the devbox input must point at.
	DevboxURL string `yaml:"devbox-url"`
	// Flakes are directories (slash paths from the repository root) that
	// must hold a flake.nix. Empty: the root must, unless the repository
	// has flakes elsewhere.
	Flakes []string `yaml:"flakes"`
	// SupportedBranches are the nixpkgs branches inputs may follow; empty
	// means the default list (see DefaultBranches).
	SupportedBranches []string `yaml:"supported-branches"`
	// StaleDays is the age limit in days of each locked root input;
	// inputs not listed are not checked.
	StaleDays map[string]int `yaml:"stale-days"`
	// Rules sets rules' severities: off, info, warning or error.
	Rules map[string]string `yaml:"rules"`

	devbox   flakeref.Ref
	severity map[string]Severity
}

// DefaultConfig is the configuration of a repository without .flakectl.yaml.
func DefaultConfig() *Config {
	c := &Config{}
	if err := c.complete(); err != nil {
		panic(err) // the defaults are constants
	}
	return c
}

// maxConfigSize bounds what ParseConfig reads: the file comes from the
// repository being linted, possibly an untrusted pull request.
const maxConfigSize = 1 << 20

// ParseConfig reads .flakectl.yaml. Errors are one line and name the file.
func ParseConfig(name string, data []byte) (*Config, error) {
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxConfigSize)
	}
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.ReplaceAll(msg, " into lint.Config", " (want a mapping of settings)")
		// yaml quotes a prefix of the offending value, possibly cut inside
		// a UTF-8 sequence.
		return nil, fmt.Errorf("%s: %s", name, strings.ToValidUTF8(oneLine(msg), "\uFFFD"))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document", name)
	}
	if err := c.complete(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return c, nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// complete fills in defaults and checks every value.
func (c *Config) complete() error {
	if c.DevboxURL == "" {
		c.DevboxURL = render.DefaultDevboxURL
	}
	ref, err := flakeref.Parse(c.DevboxURL)
	if err != nil {
		return fmt.Errorf("devbox-url: %v", err)
	}
	c.devbox = ref
	for i, dir := range c.Flakes {
		clean := path.Clean(strings.TrimPrefix(dir, "./"))
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("flakes: %q is not a directory inside the repository", dir)
		}
		c.Flakes[i] = clean
	}
	for _, b := range c.SupportedBranches {
		if b == "" || strings.ContainsAny(b, " \t\n") {
			return fmt.Errorf("supported-branches: %q is not a branch name", b)
		}
	}
	if c.StaleDays == nil {
		c.StaleDays = map[string]int{"nixpkgs": 30, "devbox": 30}
	}
	for name, days := range c.StaleDays {
		if days <= 0 {
			return fmt.Errorf("stale-days: %s: %d is not a positive number of days", name, days)
		}
	}
	c.severity = map[string]Severity{}
	names := make([]string, 0, len(c.Rules))
	for name := range c.Rules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if RuleByName(name) == nil {
			return fmt.Errorf("rules: unknown rule %q (see flakectl lint --explain)", name)
		}
		sev, err := ParseSeverity(c.Rules[name])
		if err != nil {
			return fmt.Errorf("rules: %s: %v", name, err)
		}
		c.severity[name] = sev
	}
	return nil
}

// Severity is the severity of rule r in this configuration.
func (c *Config) Severity(r *Rule) Severity {
	if s, ok := c.severity[r.Name]; ok {
		return s
	}
	return r.Severity
}

// Branches returns the supported nixpkgs branches at time now.
func (c *Config) Branches(now time.Time) []string {
	if len(c.SupportedBranches) > 0 {
		return c.SupportedBranches
	}
	return DefaultBranches(now)
}

// DefaultBranches are nixos-unstable, nixpkgs-unstable and the current and
// previous NixOS releases at time now. Releases come out at the end of May
// and November (YY.05, YY.11), so a release counts from the month after.
func DefaultBranches(now time.Time) []string {
	y, m := now.UTC().Year()%100, now.UTC().Month()
	last := (y + 99) % 100
	var cur, prev string
	switch {
	case m == time.December:
		cur, prev = fmt.Sprintf("%02d.11", y), fmt.Sprintf("%02d.05", y)
	case m >= time.June:
		cur, prev = fmt.Sprintf("%02d.05", y), fmt.Sprintf("%02d.11", last)
	default:
		cur, prev = fmt.Sprintf("%02d.11", last), fmt.Sprintf("%02d.05", last)
	}
	return []string{"nixos-unstable", "nixpkgs-unstable", "nixos-" + cur, "nixos-" + prev}
}
