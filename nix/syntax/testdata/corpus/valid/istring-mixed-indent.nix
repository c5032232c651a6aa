''
  	mixed
  two
''
