x @ y
