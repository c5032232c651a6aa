// Package image holds the devbox container image (Dockerfile and
// entrypoint.sh) and the tests that prove it: fast tests run entrypoint.sh
// directly with stub commands and real git and Nix; with DEVBOX_IMAGE_TESTS=1
// the image is built and run with podman. It has no Go API.
package image
