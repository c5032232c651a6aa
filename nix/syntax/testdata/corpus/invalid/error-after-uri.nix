[ https://example.org/a } ]
