{ x }:
''
  line one
  ${if x then 1} two
''
