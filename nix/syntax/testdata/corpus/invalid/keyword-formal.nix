{ with }: 1
