final: prev: {
  hello = prev.hello.overrideAttrs (old: {
    patches = (old.patches or [ ]) ++ [ ./hello-greeting.patch ];
    doCheck = false;
  });

  myScripts = final.callPackage ./scripts { };

  nodejs = final.nodejs_20;

  python3 = prev.python3.override {
    packageOverrides = pfinal: pprev: {
      httpx = pprev.httpx.overridePythonAttrs { doCheck = false; };
    };
  };
}
