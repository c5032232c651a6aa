{ x }:
''
${x}
  indented
''
