package nar_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gonar "github.com/nix-community/go-nix/pkg/nar"
	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/nix/nar"
)

// FuzzReadTarball: no input panics or exceeds the limits, and whatever is
// accepted serialises to a NAR that go-nix's independent reader parses, with
// entries in strictly increasing order.
func FuzzReadTarball(f *testing.F) {
	dir := f.TempDir()
	seeds := [][]entry{
		{{"src/", dirT, "", 0o755, ""}, {"src/a", reg, "hello", 0o755, ""}, {"src/l", sym, "", 0o777, "a"}, {"src/h", hard, "", 0, "src/a"}},
		{{"./src/x/y", reg, "deep", 0, ""}, {"src/..foo", reg, "", 0, ""}, {"src/x", dirT, "", 0, ""}},
		{{"src/a", reg, "1", 0, ""}, {"src/a/", dirT, "", 0, ""}, {"src/a", reg, "2", 0, ""}},
		{{"only", reg, "x", 0, ""}},
		{{"src/l", sym, "", 0o777, "/tmp"}, {"src/l/x", reg, "x", 0, ""}, {"src/d/../e", reg, "", 0, ""}},
		{{"src/", dirT, "", 0o755, ""}, {"src/f", tar.TypeFifo, "", 0, ""}, {"src/h", hard, "", 0, "src/nope"}},
	}
	for _, s := range seeds {
		// Compressed seeds mostly teach the fuzzer about gzip; the
		// uncompressed ones let it reach the tar rules.
		f.Add(makeTar(f, s))
		p := filepath.Join(dir, "seed.tar.gz")
		makeTarball(f, p, s)
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheckTarball(t, data)
	})
}

// FuzzTarballEntries builds well-formed archives from the fuzzer's bytes, so
// that it explores the path, link and type rules rather than tar checksums.
// Each entry is "TYPE NAME\x00LINK\x00BODY\x00", TYPE one of "0125346".
func FuzzTarballEntries(f *testing.F) {
	f.Add("5src\x00\x00\x000src/a\x00\x00hi\x002src/l\x00a\x00\x001src/h\x00src/a\x00\x00")
	f.Add("0./src/x/y\x00\x00deep\x000src/..foo\x00\x00\x005src/x\x00\x00\x00")
	f.Add("2src/l\x00/tmp\x00\x000src/l/x\x00\x00x\x00")
	f.Add("0src/a\x00\x001\x005src/a\x00\x00\x000src/a\x00\x002\x006src/f\x00\x00\x00")
	f.Fuzz(func(t *testing.T, spec string) {
		var entries []entry
		for _, rec := range strings.Split(spec, "\x00\x00\x00") {
			parts := strings.SplitN(rec, "\x00", 3)
			if len(parts[0]) < 2 || !strings.ContainsRune("0125346", rune(parts[0][0])) || len(entries) > 50 {
				continue
			}
			e := entry{name: parts[0][1:], typ: parts[0][0], mode: 0o755}
			if len(parts) > 1 {
				e.linkname = parts[1]
			}
			if len(parts) > 2 && e.typ == reg {
				e.body = parts[2]
			}
			entries = append(entries, e)
		}
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.linkname, Size: int64(len(e.body)), Format: tar.FormatPAX}
			if tw.WriteHeader(hdr) != nil {
				return // not representable in a tar
			}
			tw.Write([]byte(e.body))
		}
		if tw.Close() != nil {
			return
		}
		fuzzCheckTarball(t, buf.Bytes())
	})
}

// fuzzCheckTarball: reading data never panics nor exceeds its limits, errors
// are one line, and an accepted tree serialises to a NAR that go-nix's
// independent reader parses, entries in strictly increasing order.
func fuzzCheckTarball(t *testing.T, data []byte) {
	lim := nar.Limits{MaxBytes: 1 << 20, MaxEntries: 1000}
	{
		tree, err := nar.ReadTarball(bytes.NewReader(data), lim)
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") || len(msg) > 600 {
				t.Fatalf("error not one short line: %q", msg)
			}
			return
		}
		var buf bytes.Buffer
		if err := tree.WriteNAR(&buf); err != nil {
			t.Fatalf("WriteNAR: %v", err)
		}
		r, err := gonar.NewReader(&buf)
		if err != nil {
			t.Fatalf("go-nix cannot read our NAR: %v", err)
		}
		var files int64
		prev := ""
		for {
			hdr, err := r.Next()
			if err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatalf("go-nix cannot read our NAR: %v", err)
			}
			if prev != "" && !gonar.PathIsLexicographicallyOrdered(prev, hdr.Path) {
				t.Fatalf("entries out of order: %q after %q", hdr.Path, prev)
			}
			prev = hdr.Path
			files += hdr.Size
		}
		if files > 1<<20*1000 {
			t.Fatalf("NAR holds %d bytes of files, over the limit", files)
		}
		h1, err1 := tree.Hash(nixhash.SHA256)
		h2, err2 := tree.Hash(nixhash.SHA256)
		if err1 != nil || err2 != nil || h1.Format(nixhash.SRI, true) != h2.Format(nixhash.SRI, true) {
			t.Fatalf("hash not deterministic: %v %v", err1, err2)
		}
	}
}
