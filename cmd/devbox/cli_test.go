package main

import (
	"bytes"
	"strings"
	"testing"
)

// runDevbox runs the whole CLI in-process with stdin as standard input.
func runDevbox(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &streams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return code, out.String(), errOut.String()
}
