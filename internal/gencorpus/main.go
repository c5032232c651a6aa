// Command gencorpus writes a reproducible benchmark corpus of Nix files: real-world
// shapes (flakes, NixOS modules, package expressions, overlays, pinned sources,
// library code) with varied identifiers, sizes and nesting, plus the closed files
// of the hand-written corpus, each as-is and wrapped in extra bindings.
//
// Every generated file is closed (all variables bound), so `nix-instantiate --parse`
// prints an AST for it instead of stopping at "undefined variable".
//
// Usage: go run ./internal/gencorpus -out DIR [-n 2000] [-seed 1] [-corpus DIR]
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	out := flag.String("out", "", "directory to write the files into (created)")
	n := flag.Int("n", 2000, "number of files to write")
	seed := flag.Int64("seed", 1, "random seed; the same seed writes the same files")
	corpus := flag.String("corpus", "nix/syntax/testdata/corpus/valid", "hand-written valid corpus to include")
	flag.Parse()
	if *out == "" || *n < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gencorpus -out DIR [-n N] [-seed S] [-corpus DIR]")
		os.Exit(2)
	}
	if err := run(*out, *n, *seed, *corpus); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}

func run(out string, n int, seed int64, corpusDir string) error {
	seeds, err := closedCorpusFiles(corpusDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	g := &gen{r: rand.New(rand.NewSource(seed))}
	shapes := []struct {
		name string
		f    func() string
	}{
		{"flake", g.flake},
		{"module", g.module},
		{"package", g.pkg},
		{"overlay", g.overlay},
		{"sources", g.sources},
		{"lib", g.lib},
	}
	for i := 0; i < n; i++ {
		var name, text string
		switch {
		case i < len(seeds):
			name, text = "corpus-"+seeds[i].name, seeds[i].text
		case i%7 == 0 && len(seeds) > 0:
			s := seeds[g.r.Intn(len(seeds))]
			name, text = "wrapped-"+s.name, g.wrap(s.text)
		default:
			s := shapes[g.r.Intn(len(shapes))]
			name, text = s.name, s.f()
		}
		path := filepath.Join(out, fmt.Sprintf("%04d-%s.nix", i, name))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

type seedFile struct{ name, text string }

// closedCorpusFiles returns the valid corpus files for which Nix 2.8 printed an
// AST (their .nix28 record is not an "undefined variable" error), sorted by name.
func closedCorpusFiles(dir string) ([]seedFile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.nix"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no .nix files in %s", dir)
	}
	sort.Strings(paths)
	var files []seedFile
	for _, p := range paths {
		rec, err := os.ReadFile(strings.TrimSuffix(p, ".nix") + ".nix28")
		if err != nil || strings.HasPrefix(string(rec), "error:") {
			continue
		}
		// Relative paths print relative to the file's directory; keep files
		// that need HOME out so the benchmark does not depend on it.
		text, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if strings.Contains(string(text), "~/") {
			continue
		}
		files = append(files, seedFile{strings.TrimSuffix(filepath.Base(p), ".nix"), string(text)})
	}
	return files, nil
}

type gen struct {
	r    *rand.Rand
	used map[string]int
}

var words = []string{
	"alpha", "beta", "cache", "daemon", "edge", "fetch", "gateway", "hydra", "index",
	"job", "kernel", "ledger", "mirror", "node", "orbit", "proxy", "queue", "relay",
	"store", "token", "upload", "vault", "worker", "xfer", "yield", "zone", "api",
	"backend", "client", "docs", "engine", "frontend", "graph", "hook", "infra",
	"metrics", "notify", "parser", "runner", "search", "sync", "tools", "web",
}

// ident returns a fresh identifier built from the word list.
func (g *gen) ident() string {
	if g.used == nil {
		g.used = map[string]int{}
	}
	w := words[g.r.Intn(len(words))]
	if g.r.Intn(3) == 0 {
		w += "-" + words[g.r.Intn(len(words))]
	}
	g.used[w]++
	if c := g.used[w]; c > 1 {
		return fmt.Sprintf("%s%d", w, c)
	}
	return w
}

// camel returns a fresh identifier without dashes.
func (g *gen) camel() string {
	return strings.ReplaceAll(g.ident(), "-", "_")
}

func (g *gen) hash() string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for i := 0; i < 43; i++ {
		b.WriteByte(b64[g.r.Intn(len(b64))])
	}
	return "sha256-" + b.String() + "="
}

func (g *gen) rev() string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteByte(hex[g.r.Intn(16)])
	}
	return b.String()
}

func (g *gen) version() string {
	return fmt.Sprintf("%d.%d.%d", g.r.Intn(5), g.r.Intn(30), g.r.Intn(10))
}

func (g *gen) between(lo, hi int) int { return lo + g.r.Intn(hi-lo+1) }

// value returns a closed Nix value of the given depth, using only the names in scope.
func (g *gen) value(depth int, scope []string) string {
	k := g.r.Intn(9)
	if depth <= 0 && k >= 6 {
		k = g.r.Intn(6)
	}
	switch k {
	case 0:
		return fmt.Sprint(g.r.Intn(100000))
	case 1:
		return fmt.Sprintf("%q", g.ident()+" "+g.version())
	case 2:
		return []string{"true", "false", "null"}[g.r.Intn(3)]
	case 3:
		if len(scope) > 0 {
			return scope[g.r.Intn(len(scope))]
		}
		return "null"
	case 4:
		return fmt.Sprintf("%d.%d", g.r.Intn(100), g.r.Intn(100))
	case 5:
		if len(scope) > 0 {
			return fmt.Sprintf("\"${%s}/%s\"", scope[g.r.Intn(len(scope))], g.ident())
		}
		return "./" + g.ident() + ".nix"
	case 6:
		var b strings.Builder
		b.WriteString("[")
		for i, n := 0, g.between(0, 5); i < n; i++ {
			b.WriteString(" " + g.element(depth-1, scope))
		}
		b.WriteString(" ]")
		return b.String()
	case 7:
		return g.set(depth-1, scope, "")
	default:
		if len(scope) > 0 {
			a := scope[g.r.Intn(len(scope))]
			return fmt.Sprintf("(if %s == null then %s else %s.%s or %s)", a, g.value(depth-1, scope), a, g.camel(), g.value(0, scope))
		}
		return fmt.Sprintf("(%d + %d * %d)", g.r.Intn(9), g.r.Intn(9), g.r.Intn(9))
	}
}

// element is a value that can stand in a list without parentheses.
func (g *gen) element(depth int, scope []string) string {
	v := g.value(depth, scope)
	if strings.HasPrefix(v, "(") || strings.HasPrefix(v, "[") || strings.HasPrefix(v, "{") || strings.HasPrefix(v, "\"") || !strings.ContainsAny(v, " ") {
		return v
	}
	return "(" + v + ")"
}

func (g *gen) set(depth int, scope []string, indent string) string {
	n := g.between(0, 6)
	if n == 0 {
		return "{ }"
	}
	var b strings.Builder
	b.WriteString("{\n")
	for i := 0; i < n; i++ {
		name := g.camel()
		if g.r.Intn(4) == 0 {
			name += "." + g.camel()
		}
		fmt.Fprintf(&b, "%s  %s = %s;\n", indent, name, g.value(depth, scope))
	}
	b.WriteString(indent + "}")
	return b.String()
}

func (g *gen) flake() string {
	var b strings.Builder
	inputs := []string{"nixpkgs", "flake-utils"}
	for i, n := 0, g.between(0, 6); i < n; i++ {
		inputs = append(inputs, g.ident())
	}
	fmt.Fprintf(&b, "{\n  description = %q;\n\n  inputs = {\n", "The "+g.ident()+" project")
	b.WriteString("    nixpkgs.url = \"github:NixOS/nixpkgs/nixos-23.11\";\n")
	b.WriteString("    flake-utils.url = \"github:numtide/flake-utils\";\n")
	for _, in := range inputs[2:] {
		switch g.r.Intn(3) {
		case 0:
			fmt.Fprintf(&b, "    %s.url = \"github:system1/%s?ref=v%s\";\n", in, in, g.version())
		case 1:
			fmt.Fprintf(&b, "    %s = {\n      url = \"github:system1/%s/%s\";\n      inputs.nixpkgs.follows = \"nixpkgs\";\n    };\n", in, in, g.rev())
		default:
			fmt.Fprintf(&b, "    %s = {\n      url = \"git+https://git.example.org/%s.git\";\n      flake = false;\n    };\n", in, in)
		}
	}
	b.WriteString("  };\n\n")
	fmt.Fprintf(&b, "  outputs = { self, %s }@inputs:\n", strings.Join(inputs, ", "))
	b.WriteString("    flake-utils.lib.eachDefaultSystem (system:\n      let\n        pkgs = import nixpkgs {\n          inherit system;\n          overlays = [ self.overlays.default ];\n        };\n")
	pkgs := []string{}
	for i, n := 0, g.between(1, 8); i < n; i++ {
		p := g.camel()
		pkgs = append(pkgs, p)
		fmt.Fprintf(&b, "        %s = pkgs.buildGoModule {\n          pname = %q;\n          version = %q;\n          src = ./%s;\n          vendorHash = %q;\n          subPackages = [ \"cmd/%s\" ];\n        };\n",
			p, p, g.version(), p, g.hash(), p)
	}
	b.WriteString("      in\n      {\n")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "        packages.%s = %s;\n", p, p)
	}
	fmt.Fprintf(&b, "        packages.default = %s;\n\n", pkgs[0])
	b.WriteString("        devShells.default = pkgs.mkShell {\n")
	fmt.Fprintf(&b, "          inputsFrom = [ %s ];\n", strings.Join(pkgs, " "))
	b.WriteString("          packages = with pkgs; [ go gopls git jq")
	for i, n := 0, g.between(0, 10); i < n; i++ {
		b.WriteString(" " + g.camel())
	}
	b.WriteString(" ];\n          shellHook = ''\n")
	for i, n := 0, g.between(1, 6); i < n; i++ {
		fmt.Fprintf(&b, "            export %s=\"${%s}/share\"\n", strings.ToUpper(g.camel()), pkgs[g.r.Intn(len(pkgs))])
	}
	b.WriteString("            echo \"shell for ${system}\" ''${EXTRA:-}\n          '';\n        };\n")
	b.WriteString("      }) // {\n      overlays.default = final: prev: {\n")
	for i, n := 0, g.between(0, 5); i < n; i++ {
		fmt.Fprintf(&b, "        %s = prev.%s.overrideAttrs (old: { doCheck = false; patches = (old.patches or [ ]) ++ [ ./patches/%s.patch ]; });\n", g.camel(), g.camel(), g.ident())
	}
	b.WriteString("      };\n    };\n}\n")
	return b.String()
}

func (g *gen) module() string {
	var b strings.Builder
	svc := g.camel()
	b.WriteString("{ config, lib, pkgs, ... }:\n\nlet\n  inherit (lib) mkOption mkEnableOption mkIf types literalExpression;\n")
	fmt.Fprintf(&b, "  cfg = config.services.%s;\nin\n{\n  options.services.%s = {\n    enable = mkEnableOption %q;\n", svc, svc, "the "+svc+" service")
	opts := []string{}
	for i, n := 0, g.between(2, 15); i < n; i++ {
		o := g.camel()
		opts = append(opts, o)
		switch g.r.Intn(4) {
		case 0:
			fmt.Fprintf(&b, "    %s = mkOption {\n      type = types.port;\n      default = %d;\n      description = \"Port for %s.\";\n    };\n", o, 1024+g.r.Intn(60000), o)
		case 1:
			fmt.Fprintf(&b, "    %s = mkOption {\n      type = types.listOf types.str;\n      default = [ %q %q ];\n      example = literalExpression ''[ \"%s\" ]'';\n    };\n", o, g.ident(), g.ident(), g.ident())
		case 2:
			fmt.Fprintf(&b, "    %s = mkOption {\n      type = types.attrsOf (types.submodule ({ name, ... }: {\n        options.path = mkOption { type = types.str; default = \"/var/lib/${name}\"; };\n      }));\n      default = { };\n    };\n", o)
		default:
			fmt.Fprintf(&b, "    %s = mkOption {\n      type = types.nullOr types.str;\n      default = null;\n    };\n", o)
		}
	}
	b.WriteString("  };\n\n  config = mkIf cfg.enable {\n")
	fmt.Fprintf(&b, "    systemd.services.%s = {\n      wantedBy = [ \"multi-user.target\" ];\n      after = [ \"network.target\" ];\n", svc)
	fmt.Fprintf(&b, "      serviceConfig.ExecStart = \"${pkgs.%s}/bin/%s", svc, svc)
	for _, o := range opts[:g.between(1, len(opts))] {
		fmt.Fprintf(&b, " --%s=${toString cfg.%s}", o, o)
	}
	b.WriteString("\";\n      environment = {\n")
	for i, n := 0, g.between(0, 6); i < n; i++ {
		fmt.Fprintf(&b, "        %s = %q;\n", strings.ToUpper(g.camel()), g.ident())
	}
	b.WriteString("      };\n    };\n")
	fmt.Fprintf(&b, "    assertions = [\n      { assertion = cfg.%s != null -> cfg.enable; message = \"%s needs enable\"; }\n    ];\n", opts[0], opts[0])
	fmt.Fprintf(&b, "    users.users.%s = { isSystemUser = true; group = %q; };\n    users.groups.%s = { };\n  };\n}\n", svc, svc, svc)
	return b.String()
}

func (g *gen) pkg() string {
	var b strings.Builder
	deps := []string{}
	for i, n := 0, g.between(1, 12); i < n; i++ {
		deps = append(deps, g.camel())
	}
	pname := g.ident()
	fmt.Fprintf(&b, "{ lib, stdenv, fetchFromGitHub, fetchurl, pkg-config, %s }:\n\n", strings.Join(deps, ", "))
	b.WriteString("stdenv.mkDerivation (finalAttrs: {\n")
	fmt.Fprintf(&b, "  pname = %q;\n  version = %q;\n\n", pname, g.version())
	if g.r.Intn(2) == 0 {
		fmt.Fprintf(&b, "  src = fetchFromGitHub {\n    owner = %q;\n    repo = finalAttrs.pname;\n    rev = \"v${finalAttrs.version}\";\n    hash = %q;\n  };\n\n", g.ident(), g.hash())
	} else {
		fmt.Fprintf(&b, "  src = fetchurl {\n    url = \"https://example.org/%s/${finalAttrs.pname}-${finalAttrs.version}.tar.gz\";\n    hash = %q;\n  };\n\n", g.ident(), g.hash())
	}
	b.WriteString("  patches = [\n")
	for i, n := 0, g.between(0, 5); i < n; i++ {
		fmt.Fprintf(&b, "    ./%04d-%s.patch\n", i+1, g.ident())
	}
	b.WriteString("  ];\n\n  nativeBuildInputs = [ pkg-config ];\n")
	fmt.Fprintf(&b, "  buildInputs = [ %s ]\n    ++ lib.optionals stdenv.isDarwin [ %s ];\n\n", strings.Join(deps, " "), deps[0])
	b.WriteString("  makeFlags = [ \"PREFIX=${placeholder \"out\"}\" \"CC=${stdenv.cc.targetPrefix}cc\" ];\n\n")
	for _, phase := range []string{"postPatch", "preConfigure", "installPhase", "postInstall"}[:g.between(1, 4)] {
		fmt.Fprintf(&b, "  %s = ''\n", phase)
		for i, n := 0, g.between(1, 12); i < n; i++ {
			switch g.r.Intn(4) {
			case 0:
				fmt.Fprintf(&b, "    substituteInPlace %s.c --replace '/usr/lib' \"${%s}/lib\"\n", g.ident(), deps[g.r.Intn(len(deps))])
			case 1:
				fmt.Fprintf(&b, "    install -Dm644 %s $out/share/%s/%s\n", g.ident(), pname, g.ident())
			case 2:
				b.WriteString("    for f in $out/bin/*; do\n      wrapProgram \"$f\" --set HOME ''${HOME:-/tmp}\n    done\n")
			default:
				fmt.Fprintf(&b, "    ${lib.optionalString stdenv.isLinux \"patchelf --shrink-rpath $out/lib/lib%s.so\"}\n", g.camel())
			}
		}
		b.WriteString("  '';\n\n")
	}
	fmt.Fprintf(&b, "  doCheck = %v;\n  enableParallelBuilding = true;\n\n", g.r.Intn(2) == 0)
	fmt.Fprintf(&b, "  meta = with lib; {\n    description = %q;\n    homepage = \"https://example.org/%s\";\n    license = licenses.mit;\n    platforms = platforms.unix;\n    mainProgram = %q;\n  };\n})\n", "The "+pname+" tool", pname, pname)
	return b.String()
}

func (g *gen) overlay() string {
	var b strings.Builder
	b.WriteString("final: prev:\nlet\n  inherit (prev) lib;\nin\n{\n")
	for i, n := 0, g.between(2, 25); i < n; i++ {
		name := g.camel()
		switch g.r.Intn(5) {
		case 0:
			fmt.Fprintf(&b, "  %s = prev.%s.overrideAttrs (old: {\n    version = %q;\n    src = final.fetchurl { url = \"mirror://%s/${old.pname}-%s.tar.xz\"; hash = %q; };\n  });\n", name, name, g.version(), g.ident(), g.version(), g.hash())
		case 1:
			fmt.Fprintf(&b, "  %s = final.callPackage ./pkgs/%s { inherit (final) %s; };\n", name, g.ident(), g.camel())
		case 2:
			fmt.Fprintf(&b, "  %s = prev.%s.override { withX = false; %s = final.%s; };\n", name, name, g.camel(), g.camel())
		case 3:
			fmt.Fprintf(&b, "  %s = lib.recurseIntoAttrs (prev.%s // {\n    %s = final.%s;\n  });\n", name, name, g.camel(), g.camel())
		default:
			fmt.Fprintf(&b, "  %s = if prev.stdenv.isDarwin then prev.%s else final.%s_%d;\n", name, name, name, g.between(1, 20))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// sources is a pinned-sources file like niv's or a lock-ish data file: big and flat.
func (g *gen) sources() string {
	var b strings.Builder
	b.WriteString("{\n")
	for i, n := 0, g.between(5, 120); i < n; i++ {
		name := g.ident()
		fmt.Fprintf(&b, "  %q = {\n    owner = %q;\n    repo = %q;\n    rev = %q;\n    sha256 = %q;\n    url = \"https://github.com/%s/%s/archive/%s.tar.gz\";\n    type = \"tarball\";\n    branch = %q;\n  };\n",
			name, g.ident(), name, g.rev(), g.hash(), g.ident(), name, g.rev(), []string{"main", "master", "release-23.11"}[g.r.Intn(3)])
	}
	b.WriteString("}\n")
	return b.String()
}

// lib is library-style code: nested lets, lambdas, operators, deep data.
func (g *gen) lib() string {
	var b strings.Builder
	b.WriteString("{ lib }:\nlet\n")
	scope := []string{"lib"}
	for i, n := 0, g.between(2, 20); i < n; i++ {
		name := g.camel()
		arg := g.camel()
		inner := append([]string{arg}, scope...)
		switch g.r.Intn(4) {
		case 0:
			fmt.Fprintf(&b, "  %s = %s: if %s == null then %s else %s;\n", name, arg, arg, g.value(2, inner), g.value(2, inner))
		case 1:
			fmt.Fprintf(&b, "  %s = { %s ? %s, ... }@args: args // { %s = %s; };\n", name, arg, g.value(1, scope), g.camel(), g.value(2, inner))
		case 2:
			fmt.Fprintf(&b, "  %s = %s;\n", name, g.set(g.between(1, 4), scope, "  "))
		default:
			fmt.Fprintf(&b, "  %s = %s: lib.foldl' (acc: x: acc + x * %d - %d / 2) 0 (map (y: y.%s or %d) %s);\n", name, arg, g.r.Intn(10), g.r.Intn(10)+1, g.camel(), g.r.Intn(10), arg)
		}
		scope = append(scope, name)
	}
	b.WriteString("in\n{\n  inherit")
	for _, s := range scope[1:] {
		b.WriteString(" " + s)
	}
	b.WriteString(";\n  all = [")
	for _, s := range scope[1:] {
		b.WriteString(" " + s)
	}
	b.WriteString(" ];\n}\n")
	return b.String()
}

// wrap puts a closed file inside extra let bindings, so it gains size and
// depth without changing what it means.
func (g *gen) wrap(text string) string {
	var b strings.Builder
	b.WriteString("let\n")
	scope := []string{}
	for i, n := 0, g.between(1, 10); i < n; i++ {
		name := "w" + g.camel()
		fmt.Fprintf(&b, "  %s = %s;\n", name, g.value(3, scope))
		scope = append(scope, name)
	}
	b.WriteString("in\n[\n(\n")
	b.WriteString(text)
	b.WriteString("\n)\n")
	for _, s := range scope {
		b.WriteString(s + "\n")
	}
	b.WriteString("]\n")
	return b.String()
}
