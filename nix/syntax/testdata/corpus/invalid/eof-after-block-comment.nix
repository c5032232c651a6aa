[ 1 2
/* the end
   is near */
