# A backward pass for examples/mazur.toml (2-2-2, sigmoid, squared loss) in NumPy, on a batch:
# examples are rows (X is m x 2, Z1 = X @ W1.T + b1, A1 = sigmoid(Z1), ...), dX is the
# gradient of the mean loss with respect to X.  The spec's numbers are one sample, so a batch
# of 4 is drawn from --seed (with one row, a missing sum over the batch would go unseen).
#   symbackprop verify examples/mazur.toml --file examples/mazur_backward.py
#   symbackprop verify examples/mazur.toml --file examples/mazur_backward.py --batch 8 --seed 1 --json
import numpy as np

dA2 = (A2 - Y) / m
dZ2 = dA2 * A2 * (1 - A2)
dW2 = dZ2.T @ A1
db2 = dZ2.sum(axis=0)
dA1 = dZ2 @ W2
dZ1 = dA1 * A1 * (1 - A1)
dW1 = dZ1.T @ X
db1 = dZ1.sum(axis=0)
dX = dZ1 @ W1
