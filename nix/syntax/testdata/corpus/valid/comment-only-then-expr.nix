#
#
/*
*/
null
