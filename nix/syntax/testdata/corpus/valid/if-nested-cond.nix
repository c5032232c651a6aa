{ a, b }:
if if a then b else a then "yes" else "no"
