{ a ? or }: a
