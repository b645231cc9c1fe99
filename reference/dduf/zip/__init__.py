"""The ZIP records of a DDUF archive: their layouts, the bytes the writer emits, and the reader's walk."""
