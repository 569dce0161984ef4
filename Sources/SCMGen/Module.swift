// The SCMGen module; see the README for what it holds.
