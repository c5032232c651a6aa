package lockfile

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
)

// A small JSON tree printed exactly like nlohmann::json::dump(2), the
// serialiser Nix uses for flake.lock. encoding/json cannot do it: it
// escapes <, > and & and U+2028/9, and indents empty containers
// differently.

type kind int

const (
	kString kind = iota
	kInt
	kBool
	kArray
	kObject
)

type object map[string]*jsonValue

type jsonValue struct {
	kind kind
	str  string
	num  int64
	b    bool
	arr  []*jsonValue
	obj  object
}

const indentStep = 2

func (v *jsonValue) dump(b *bytes.Buffer, indent int) {
	switch v.kind {
	case kString:
		writeString(b, v.str)
	case kInt:
		b.WriteString(strconv.FormatInt(v.num, 10))
	case kBool:
		b.WriteString(strconv.FormatBool(v.b))
	case kArray:
		if len(v.arr) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range v.arr {
			writeIndent(b, indent+indentStep)
			e.dump(b, indent+indentStep)
			if i < len(v.arr)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		writeIndent(b, indent)
		b.WriteByte(']')
	case kObject:
		if len(v.obj) == 0 {
			b.WriteString("{}")
			return
		}
		keys := make([]string, 0, len(v.obj))
		for k := range v.obj {
			keys = append(keys, k)
		}
		sort.Strings(keys) // bytewise, as std::map<std::string> orders them
		b.WriteString("{\n")
		for i, k := range keys {
			writeIndent(b, indent+indentStep)
			writeString(b, k)
			b.WriteString(": ")
			v.obj[k].dump(b, indent+indentStep)
			if i < len(keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		writeIndent(b, indent)
		b.WriteByte('}')
	}
}

func writeIndent(b *bytes.Buffer, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

// writeString escapes as nlohmann does with ensure_ascii off: '"' and '\\',
// the short escapes \b \f \n \r \t, other control bytes as \u00xx in lower
// case hex, and every other byte (DEL and UTF-8 included) as is. Read
// rejects invalid UTF-8, on which nlohmann would throw.
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}
