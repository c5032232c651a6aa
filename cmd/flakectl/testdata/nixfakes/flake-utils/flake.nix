{
  description = "Fake numtide/flake-utils for offline tests";

  inputs.systems.url = "github:nix-systems/default";

  outputs = { self, systems }:
    let
      # As flake-utils: { packages.hello = x; } for each system becomes
      # { packages.<system>.hello = x; }.
      eachSystem = systemList: f:
        builtins.foldl'
          (acc: system:
            let ret = f system; in
            builtins.foldl'
              (acc: key: acc // { ${key} = (acc.${key} or { }) // { ${system} = ret.${key}; }; })
              acc
              (builtins.attrNames ret))
          { }
          systemList;
      defaultSystems = import systems;
    in
    {
      lib = {
        inherit eachSystem defaultSystems;
        eachDefaultSystem = eachSystem defaultSystems;
      };
    };
}
