# surprising: let rejects a dynamic first name, but a dynamic name deeper in the path is allowed
{ x }: let a.${x} = 1; in a
