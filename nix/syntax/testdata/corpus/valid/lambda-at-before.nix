args@{ a, ... }: [ args a ]
