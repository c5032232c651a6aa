{ s }: [ s."let" s."if" s.true s.null ]
