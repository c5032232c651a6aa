{ x }:
''
  outer ${''
    inner ${x}
  ''} done
''
