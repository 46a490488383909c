"""scikit-learn's diabetes table as CSV files for Myelin, and scikit-learn's MLPRegressor R^2 on the same split.

The data: the 442 patients of scikit-learn's diabetes table with their raw (unscaled) features, age, sex, bmi, bp,
s1..s6, and the target (disease progression after a year, 25..346). Split: sklearn.model_selection.train_test_split
with test_size=0.2, random_state=42 (353 training rows, 89 test rows). Writes DIR/diabetes-train.csv and
DIR/diabetes-test.csv, each with a header line, the target last.

The comparison: StandardScaler on the inputs (fitted on the training rows), then MLPRegressor with one hidden layer
of 128 ReLU units (as `myelin train --layers 128:relu`), Adam at 1e-3, batch 32, L2 alpha 0 (Myelin's adam has no
weight decay), random_state 42, max_iter EPOCHS (default 500; no early stopping, tol 0 so it runs them all).
scikit-learn does not scale the targets. Prints one line: the test R^2, RMSE and MAE.

usage: /usr/bin/python3 sklearn_diabetes.py DIR [EPOCHS]   (Debian: apt-get install -y python3-sklearn)
"""
import os
import sys
import warnings

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler


def write(path, names, x, y):
    with open(path, "w") as f:
        f.write(",".join(names + ["target"]) + "\n")
        for row, t in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + "," + repr(float(t)) + "\n")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) == 3 else 500
    os.makedirs(out, exist_ok=True)
    data = load_diabetes(scaled=False)
    x_train, x_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.2, random_state=42)
    write(os.path.join(out, "diabetes-train.csv"), list(data.feature_names), x_train, y_train)
    write(os.path.join(out, "diabetes-test.csv"), list(data.feature_names), x_test, y_test)
    scaler = StandardScaler().fit(x_train)
    mlp = MLPRegressor(hidden_layer_sizes=(128,), activation="relu", solver="adam", learning_rate_init=1e-3,
                       batch_size=32, alpha=0.0, max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
                       random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(scaler.transform(x_train), y_train)
    p = mlp.predict(scaler.transform(x_test))
    print("scikit-learn MLPRegressor(128 relu, adam 1e-3, batch 32, %d epochs): test R^2 %.4f  RMSE %.4f  MAE %.4f"
          % (epochs, r2_score(y_test, p), np.sqrt(mean_squared_error(y_test, p)), mean_absolute_error(y_test, p)))


if __name__ == "__main__":
    main()
