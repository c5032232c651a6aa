{ lib, rustPlatform, fetchFromGitHub, pkg-config, openssl, stdenv, darwin }:

rustPlatform.buildRustPackage rec {
  pname = "ripsearch";
  version = "14.0.3";

  src = fetchFromGitHub {
    owner = "example";
    repo = pname;
    rev = version;
    sha256 = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  cargoHash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";

  nativeBuildInputs = [ pkg-config ];
  buildInputs = [ openssl ]
    ++ lib.optionals stdenv.isDarwin [ darwin.apple_sdk.frameworks.Security ];

  checkFlags = [ "--skip=tests::network" ];

  meta = {
    description = "Search things";
    license = with lib.licenses; [ mit unlicense ];
  };
}
