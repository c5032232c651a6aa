[ inherit a; ]
