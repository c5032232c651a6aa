''first
    second
    third''
