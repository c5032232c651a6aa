package syntax

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParsePrint parses and prints the corpus (or the files in
// $NIX_BENCH_DIR, e.g. one made by scripts/gen-parse-corpus).
func BenchmarkParsePrint(b *testing.B) {
	pattern := "testdata/corpus/valid/*.nix"
	if dir := os.Getenv("NIX_BENCH_DIR"); dir != "" {
		pattern = filepath.Join(dir, "*.nix")
	}
	files, _ := filepath.Glob(pattern)
	var srcs [][]byte
	size := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
		size += len(src)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, src := range srcs {
			_, x, _ := ParseFile("bench.nix", src)
			_ = Fprint(io.Discard, x, PrintConfig{BaseDir: "/base"})
		}
	}
}
