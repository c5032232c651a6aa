package nar_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/system1/devbox/nix/nar"
)

// benchTree writes files files of about 3 KB in 20 directories; with
// NAR_BENCH_DIR set it hashes that directory instead.
func benchTree(b *testing.B, files int) string {
	b.Helper()
	if dir := os.Getenv("NAR_BENCH_DIR"); dir != "" {
		return dir
	}
	root := filepath.Join(b.TempDir(), "tree")
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 4096)
	for i := 0; i < files; i++ {
		dir := filepath.Join(root, fmt.Sprintf("d%02d", i%20))
		if i < 20 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		n := 1000 + rng.IntN(len(buf)-1000)
		for j := range buf[:n] {
			buf[j] = 'a' + byte(rng.IntN(26))
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d", i)), buf[:n], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root
}

func BenchmarkHashPath(b *testing.B) {
	root := benchTree(b, 5000)
	b.ResetTimer()
	for range b.N {
		if _, err := nar.HashPath(root, nixhash.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashTarball(b *testing.B) {
	path := filepath.Join(b.TempDir(), "t.tar.gz")
	var entries []entry
	body := bytes.Repeat([]byte("0123456789abcdef"), 256)
	for i := 0; i < 2000; i++ {
		entries = append(entries, entry{fmt.Sprintf("src/d%02d/f%05d", i%20, i), reg, string(body), 0, ""})
	}
	makeTarball(b, path, entries)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(entries) * len(body)))
	b.ResetTimer()
	for range b.N {
		if _, err := nar.HashTarball(bytes.NewReader(data), nar.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
