{ x }: { inherit "${x}"; }
