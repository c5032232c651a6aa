[ ({ a = 1; }.a) (true.x) (null.y or 1) ("s".z or 2) ([ ].q or 3) ]
