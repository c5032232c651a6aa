import <nixpkgs> { ]
