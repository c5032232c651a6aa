''
    deeper
  shallow
      deepest
''
