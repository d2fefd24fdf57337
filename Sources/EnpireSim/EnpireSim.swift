// EnpireSim: see its issue; this target is filled as that work lands.
