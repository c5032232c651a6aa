# `a/b` would be a path, so division needs spaces
{ a, b }: a / b
