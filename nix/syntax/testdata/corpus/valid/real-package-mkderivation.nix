{ lib, stdenv, fetchurl, pkg-config, openssl, zlib, autoreconfHook }:

stdenv.mkDerivation rec {
  pname = "libexample";
  version = "2.3.1";

  src = fetchurl {
    url = "https://example.org/releases/${pname}-${version}.tar.gz";
    sha256 = "0c4jw2zyw7bi2zkyhm0mm5ga3qmm1vs3ns7qrj0a8w2fzwj0ngkz";
  };

  patches = [
    ./fix-build-on-darwin.patch
    ./0001-disable-network-tests.patch
  ];

  nativeBuildInputs = [ pkg-config autoreconfHook ];
  buildInputs = [ openssl zlib ];

  configureFlags = [
    "--enable-shared"
    "--disable-static"
  ] ++ lib.optional stdenv.isDarwin "--without-epoll";

  postPatch = ''
    substituteInPlace Makefile.am \
      --replace "/usr/local" "$out"
    patchShebangs scripts/
  '';

  doCheck = true;
  enableParallelBuilding = true;

  meta = with lib; {
    description = "An example library";
    longDescription = ''
      libexample does example things.
      It is used in the parser corpus.
    '';
    homepage = "https://example.org";
    license = licenses.mit;
    maintainers = [ ];
    platforms = platforms.unix;
  };
}
