// The Models module; see the README for what it holds.
