{ s, x }: { inherit (s) ${x}; }
