{ c }: if c then 1
