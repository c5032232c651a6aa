let
  größe = 1;
in größe
