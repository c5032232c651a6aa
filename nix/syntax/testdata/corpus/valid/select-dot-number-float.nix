# surprising: `s.a.1.b` is `(s).a` applied to `(0.1).b`
{ s }: s.a.1.b
