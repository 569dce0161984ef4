// The NN module; see the README for what it holds.
