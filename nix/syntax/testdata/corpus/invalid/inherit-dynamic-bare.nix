{ x }: { inherit ${x}; }
