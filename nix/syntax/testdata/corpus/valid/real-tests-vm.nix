{ pkgs, self }:
pkgs.nixosTest {
  name = "backend-starts";
  nodes.machine = { config, ... }: {
    imports = [ self.nixosModules.default ];
    services.backend.enable = true;
    services.backend.port = 8081;
  };
  testScript = ''
    machine.wait_for_unit("backend.service")
    machine.wait_for_open_port(8081)
    machine.succeed("curl -sf http://localhost:8081/healthz")
  '';
}
