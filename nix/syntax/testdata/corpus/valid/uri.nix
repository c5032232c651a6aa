[ http://x.org/y?a=b https://example.com/a/b?c=d&e=f%20 ftp://host/file x:x git+ssh://git@github.com/o/r.git github:owner/repo/ref mailto:a@b.c urn:isbn:0451450523 a.b-c+d:e'f!g*h~i ]
