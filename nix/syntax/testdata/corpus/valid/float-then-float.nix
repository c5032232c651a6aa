# surprising: `1.5.3` is `1.5` applied to the float `.3`
1.5.3
