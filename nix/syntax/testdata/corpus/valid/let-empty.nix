let in { }
