{ s }: { inherit (s) a.b; }
