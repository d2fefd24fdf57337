// Enpire: the station core. See Docs/Architecture.md for how the targets fit together.
