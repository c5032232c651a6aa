package syntax

// stripIndentation applies Nix's indentation stripping to the parts of an
// indented string (current Nix: empty pieces are dropped).
func stripIndentation(parts []StrPart) []StrPart {
	if len(parts) == 0 {
		return nil
	}
	// The minimum indentation. Lines with only spaces do not count;
	// interpolations and escapes end a line's leading whitespace.
	atStartOfLine := true
	minIndent := 1000000
	curIndent := 0
	for _, part := range parts {
		l, ok := part.(*Lit)
		if !ok || !l.Raw {
			if atStartOfLine {
				atStartOfLine = false
				if curIndent < minIndent {
					minIndent = curIndent
				}
			}
			continue
		}
		for i := 0; i < len(l.Value); i++ {
			c := l.Value[i]
			if atStartOfLine {
				switch c {
				case ' ':
					curIndent++
				case '\n':
					curIndent = 0
				default:
					atStartOfLine = false
					if curIndent < minIndent {
						minIndent = curIndent
					}
				}
			} else if c == '\n' {
				atStartOfLine = true
				curIndent = 0
			}
		}
	}

	out := make([]StrPart, 0, len(parts))
	atStartOfLine = true
	curDropped := 0
	for n, part := range parts {
		l, ok := part.(*Lit)
		if !ok {
			atStartOfLine = false
			curDropped = 0
			out = append(out, part)
			continue
		}
		s := make([]byte, 0, len(l.Value))
		for i := 0; i < len(l.Value); i++ {
			c := l.Value[i]
			if atStartOfLine {
				switch c {
				case ' ':
					if curDropped >= minIndent {
						s = append(s, c)
					}
					curDropped++
				case '\n':
					curDropped = 0
					s = append(s, c)
				default:
					atStartOfLine = false
					curDropped = 0
					s = append(s, c)
				}
			} else {
				s = append(s, c)
				if c == '\n' {
					atStartOfLine = true
				}
			}
		}
		// Remove the last line if it is empty and consists only of spaces.
		if n == len(parts)-1 {
			if p := lastIndexByte(s, '\n'); p >= 0 && onlySpaces(s[p+1:]) {
				s = s[:p+1]
			}
		}
		if len(s) > 0 {
			out = append(out, &Lit{Start: l.Start, Stop: l.Stop, Value: string(s)})
		}
	}
	return out
}

func lastIndexByte(s []byte, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func onlySpaces(s []byte) bool {
	for _, c := range s {
		if c != ' ' {
			return false
		}
	}
	return true
}
