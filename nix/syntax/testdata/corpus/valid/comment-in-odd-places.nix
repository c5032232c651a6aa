{ a # the a
, b /* the b */ ? /* default */ 1
}: /* body */ let /* x */ x = /* v */ a; # end
in [ x /* in list */ b ]
