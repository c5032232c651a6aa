{ x }: [ a/b/${x} a/${x}/c ]
