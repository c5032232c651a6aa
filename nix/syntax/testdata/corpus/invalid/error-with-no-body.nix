{ a }: with a;
