{ lib, buildGoModule, fetchFromGitHub, installShellFiles, stdenv }:

buildGoModule rec {
  pname = "flakectl";
  version = "0.3.0";

  src = fetchFromGitHub {
    owner = "system1";
    repo = "devbox";
    rev = "v${version}";
    hash = "sha256-3sT8X0lO3bNQzQ7y0xJ0p3h3r0b1zY6fJQ0r6yq9w0s=";
  };

  vendorHash = "sha256-pQpattmS9VmO3ZIQUFn66az8GSmB4IvYhTTCFn6SUmo=";

  subPackages = [ "cmd/flakectl" ];

  ldflags = [
    "-s"
    "-w"
    "-X main.version=${version}"
  ];

  nativeBuildInputs = [ installShellFiles ];

  postInstall = lib.optionalString (stdenv.buildPlatform.canExecute stdenv.hostPlatform) ''
    installShellCompletion --cmd flakectl \
      --bash <($out/bin/flakectl completion bash) \
      --zsh <($out/bin/flakectl completion zsh)
  '';

  meta = {
    description = "Keeps product repositories on the base flake";
    homepage = "https://github.com/system1/devbox";
    license = lib.licenses.asl20;
    mainProgram = "flakectl";
  };
}
