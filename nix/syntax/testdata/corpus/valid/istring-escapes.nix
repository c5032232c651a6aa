''
  dollar: ''$
  quotes: '''
  newline: ''\n
  tab: ''\t
  cr: ''\r
  backslash: ''\\
  other: ''\x
  interp: ''${x}
  plain dollar: $ $$ $${x}
  single quote: ' and 'x'
''
