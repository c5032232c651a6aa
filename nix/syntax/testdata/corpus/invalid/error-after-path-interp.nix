{ x }: [ ./a/${x}/b.nix ) ]
