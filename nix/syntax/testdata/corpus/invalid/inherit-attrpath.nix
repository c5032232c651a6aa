{ a }: { inherit a.b; }
