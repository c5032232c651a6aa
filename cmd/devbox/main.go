// Command devbox creates and runs devbox containers: a developer's repository
// cloned inside the devbox image, in its `nix develop` shell.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], systemStreams()))
}
