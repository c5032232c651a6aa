# surprising: `#` ends a path; `./a#b` is `./a` and a comment
./a#b
