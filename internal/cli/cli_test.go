package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestRun(t *testing.T) {
	for _, c := range []struct {
		name   string
		runE   func() error
		args   []string
		code   int
		stderr string
	}{
		{"ok", func() error { return nil }, nil, 0, ""},
		{"usage error", func() error { return UsageErrorf("bad %s", "input") }, nil, 2, "tool: bad input\n"},
		{"failure on one line", func() error { return Failf("it broke:\n  here") }, nil, 1, "tool: it broke: here\n"},
		{"quiet exit code", func() error { return &ExitError{Code: 7} }, nil, 7, ""},
		{"plain error", func() error { return errors.New("plain") }, nil, 1, "tool: plain\n"},
		{"panic", func() error { panic("boom") }, nil, 1, "tool: internal error: boom (this is a bug; please report it)\n"},
		{"unknown flag", func() error { return nil }, []string{"--bogus"}, 2, "tool: unknown flag: --bogus (see 'tool --help')\n"},
		{"panic while building the commands", nil, nil, 1, "tool: internal error: early (this is a bug; please report it)\n"},
		{"cobra argument error", func() error { return nil }, []string{"x", "y"}, 2, "tool: accepts at most 1 arg(s), received 2 (see 'tool --help')\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			s := &Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
			newRoot := func() *cobra.Command {
				if c.runE == nil {
					panic("early")
				}
				root := &cobra.Command{Use: "tool", Args: cobra.MaximumNArgs(1), RunE: func(*cobra.Command, []string) error { return c.runE() }}
				Setup(root, s)
				return root
			}
			if code := Run("tool", newRoot, c.args, s); code != c.code || errOut.String() != c.stderr {
				t.Errorf("got %d %q, want %d %q", code, errOut.String(), c.code, c.stderr)
			}
		})
	}
}
