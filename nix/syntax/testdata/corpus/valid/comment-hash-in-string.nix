[ "# not a comment" "/* nor this */" ''# nor this'' ]
