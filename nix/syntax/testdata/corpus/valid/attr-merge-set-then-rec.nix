# surprising: the second set's `rec` is dropped: prints { a = { b = 1; c = 2; }; }
{ a = { b = 1; }; a = rec { c = 2; }; }
