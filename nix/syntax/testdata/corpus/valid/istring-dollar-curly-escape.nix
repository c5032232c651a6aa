''
  ''${not interpolated}
  $''${also not}
''
