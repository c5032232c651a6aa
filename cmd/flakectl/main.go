// Command flakectl renders, lints and bumps the Nix flakes of the devbox platform.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], systemStreams()))
}
