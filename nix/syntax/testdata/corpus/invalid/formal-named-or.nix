# surprising: `or` cannot be a formal name, though `{ or = 1; }` and `inherit or;` work
{ or }: or
