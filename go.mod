module github.com/system1/devbox

go 1.25.0

require (
	github.com/aymanbagabas/go-udiff v0.4.1
	github.com/bradleyfalzon/ghinstallation/v2 v2.19.0
	github.com/google/go-github/v60 v60.0.0
	github.com/nix-community/go-nix v0.0.0-20250101154619-4bdde671e0a1
	github.com/spf13/cobra v1.10.2
	go.yaml.in/yaml/v3 v3.0.4
	golang.org/x/mod v0.34.0
	golang.org/x/time v0.15.0
)

require (
	github.com/golang-jwt/jwt/v4 v4.5.2 // indirect
	github.com/google/go-github/v88 v88.0.0 // indirect
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
