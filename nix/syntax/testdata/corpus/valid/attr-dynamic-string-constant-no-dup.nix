# surprising: `"${"a"}"` stays dynamic, so it does not clash with `a`; `${"a"}` does (see invalid/attr-dynamic-constant-dup)
{ "${"a"}" = 1; a = 2; }
