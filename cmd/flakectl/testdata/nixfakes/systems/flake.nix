{
  description = "Fake nix-systems/default for offline tests";
  outputs = { self }: { };
}
