assert true; assert 1 < 2; assert { } == { }; 3
