''
	tab indented
	two
''
