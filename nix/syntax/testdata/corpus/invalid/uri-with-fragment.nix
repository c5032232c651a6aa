# surprising: `#` is not a URI character, so `#c ]` is a comment and the list is never closed
[ https://example.com/a/b#c ]
