{ a = 1;
  # a trailing comment
