[ "" "a" "hello world" "multi
line" ]
