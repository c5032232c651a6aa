{ fetchurl }: fetchurl https://example.org/src-1.0.tar.gz
