[ { } [ ] (rec { }) ({ } // rec { } // { inherit; }) ]
