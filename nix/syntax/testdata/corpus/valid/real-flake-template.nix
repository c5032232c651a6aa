{
  description = "Project templates";

  outputs = { self }: {
    templates = {
      default = self.templates.go;
      go = {
        path = ./template/go;
        description = "A Go project with a dev shell";
        welcomeText = ''
          # Go project

          Run `nix develop` to enter the shell.
          Then `go build ./...`.
        '';
      };
      python = {
        path = ./template/python;
        description = "A Python project";
      };
    };
  };
}
