/* block */ 1 /* multi
line */ + /**/ 2 /* ** / * */
