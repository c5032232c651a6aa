# an escaped CR keeps the CR: prints "a\r\nb"; an unescaped CRLF in a string becomes LF
"a\
b"
