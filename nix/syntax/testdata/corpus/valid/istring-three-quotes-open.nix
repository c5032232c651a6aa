# surprising: ''' right after the opening '' is not an escape; it opens the string and keeps one '
'''abc''
