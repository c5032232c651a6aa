# surprising: merging into an earlier set drops a later `rec`: prints { a = { b = 1; c = 2; }; }
{ a.b = 1; a = rec { c = 2; }; }
