[ "${<nixpkgs>}" "${<nixpkgs/lib>}/x" ]
