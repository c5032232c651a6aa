{ stdenvNoCC, fetchgit, lib, makeWrapper, bash }:
stdenvNoCC.mkDerivation (finalAttrs: {
  pname = "dotfiles-tools";
  version = "unstable-2024-01-15";
  src = fetchgit {
    url = "https://git.example.org/tools.git";
    rev = "4f1c8e2b9a3d7e6f5a4b3c2d1e0f9a8b7c6d5e4f";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    fetchSubmodules = true;
  };
  nativeBuildInputs = [ makeWrapper ];
  dontBuild = true;
  installPhase = ''
    runHook preInstall
    mkdir -p $out/bin
    for f in bin/*; do
      install -Dm755 "$f" "$out/$f"
      wrapProgram "$out/$f" --prefix PATH : ${lib.makeBinPath [ bash ]}
    done
    runHook postInstall
  '';
  passthru.tests = { };
  meta.description = "Tools, version ${finalAttrs.version}";
})
