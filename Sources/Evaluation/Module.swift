// The Evaluation module; see the README for what it holds.
