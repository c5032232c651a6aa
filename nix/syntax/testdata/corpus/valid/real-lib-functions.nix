{ lib }:
rec {
  # Recursively merge, right side wins.
  recursiveMerge = a: b:
    a // lib.mapAttrs (n: v:
      if builtins.isAttrs v && a ? ${n} && builtins.isAttrs a.${n}
      then recursiveMerge a.${n} v
      else v) b;

  toEnv = attrs: lib.concatStringsSep "\n"
    (lib.mapAttrsToList (k: v: "${lib.toUpper k}=${lib.escapeShellArg (toString v)}") attrs);

  range' = from: to: if from > to then [ ] else [ from ] ++ range' (from + 1) to;

  fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2);

  versionAtLeast' = v: min: builtins.compareVersions v min >= 0;

  pipeline = x: lib.pipe x [
    (lib.filter (e: e != null))
    (map (e: e * 2))
    (lib.foldl' (acc: e: acc + e) 0)
  ];

  hasPrefixOr = p: s: lib.hasPrefix p s || s == "";
}
