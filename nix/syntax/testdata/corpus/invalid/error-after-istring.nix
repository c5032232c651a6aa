{
  a = ''
    text
      more
  '';
  b = ''x'' ''y'';
  c = 1 }
