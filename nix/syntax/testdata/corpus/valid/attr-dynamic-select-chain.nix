{ s, n }: s.${n}."${n}".plain."quoted"
